import PrimEngine
import PrimModel
import PrimPlan

/// Renders `<id>.caddy`: upstream's site block for a prim, and its extra blocks.
public enum CaddyFragmentRenderer {
    /// - Parameter scheme: `https` writes the bare endpoint (Caddy gets certificates); `http` writes `http://endpoint`.
    /// - Parameter alternate: the prim's other port (`HandoverPorts`), where a new version starts.
    /// - Parameter tls: the host's own certificates: a site one of them covers loads them (`tls { load }`),
    ///   so Caddy serves it with that certificate and orders none of its own for the name.
    public static func render(
        _ prim: Prim, host: Host, scheme: CaddyScheme = .https, alternate: Int? = nil, tls: TLSSettings? = nil
    ) -> String {
        let endpoint = host.endpoint(for: prim)
        let site = scheme == .http ? "http://\(endpoint)" : endpoint
        var lines = [
            "\(ResourceNames.ownershipMarker) for \(prim.id). Changes here are overwritten.",
            "\(site) {",
            "\timport security_headers",
        ]
        // The folder, not the file: Caddy loads an empty folder without complaint (a certificate
        // not issued yet leaves the name to Caddy's own issuance), and a renewed file is read at the next load.
        if scheme == .https, let tls, tls.certificate(covering: endpoint) != nil {
            lines += ["\ttls {", "\t\tload \(tls.paths.live)", "\t}"]
        }
        if prim.deploy.accessLog {
            lines += ["\tlog {", "\t\toutput stderr", "\t\tformat json", "\t}"]
        }
        if let size = prim.deploy.maxBodySize {
            lines += ["\trequest_body {", "\t\tmax_size \(size)", "\t}"]
        }
        // The serving version's port first; the other version's second, tried only when the first
        // refuses (`lb_policy first`, a refused dial marks it down for a second): a request that
        // Caddy's previous config still routes to a version that just stopped reaches the one that
        // took over. While a prim restarts, Caddy holds requests for up to 5 s instead of answering 502.
        var handle = ["\thandle {", "\t\t" + RouteUpstream.line(prim.port ?? 0, alternate)]
        if alternate != nil { handle += ["\t\t\tlb_policy first", "\t\t\tfail_duration 1s"] }
        lines += handle + ["\t\t\tlb_try_duration 5s", "\t\t\tlb_try_interval 50ms", "\t\t}", "\t}", "}"]
        for block in prim.deploy.extraCaddy {
            lines += [""] + block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        var text = lines.joined(separator: "\n")
        if !text.hasSuffix("\n") { text += "\n" }
        return text
    }
}

extension PrimRendering {
    /// The prim's route, sending its traffic to `port` first.
    func route(port: Int?) -> String {
        var prim = self.prim
        prim.port = port
        return CaddyFragmentRenderer.render(
            prim, host: host, scheme: config.caddyScheme, alternate: alternatePort, tls: config.tls)
    }
}
