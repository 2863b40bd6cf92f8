import PrimModel

/// Renders `<id>.caddy`: upstream's site block for a prim, and its extra blocks.
public enum CaddyFragmentRenderer {
    /// - Parameter scheme: `https` writes the bare endpoint (Caddy gets certificates); `http` writes `http://endpoint`.
    public static func render(_ prim: Prim, host: Host, scheme: String = "https") -> String {
        let site = scheme == "http" ? "http://\(host.endpoint(for: prim))" : host.endpoint(for: prim)
        var lines = [
            "\(ResourceNames.ownershipMarker) for \(prim.id). Changes here are overwritten.",
            "\(site) {",
            "\timport security_headers",
        ]
        if prim.deploy.accessLog {
            lines += ["\tlog {", "\t\toutput stderr", "\t\tformat json", "\t}"]
        }
        if let size = prim.deploy.maxBodySize {
            lines += ["\trequest_body {", "\t\tmax_size \(size)", "\t}"]
        }
        // While a prim restarts (a new release or secret), Caddy holds requests and retries the
        // upstream for up to 5 s instead of answering 502: a restart in place drops no request.
        lines += ["\thandle {", "\t\t" + upstream(prim.port ?? 0),
                  "\t\t\tlb_try_duration 5s", "\t\t\tlb_try_interval 50ms", "\t\t}", "\t}", "}"]
        for block in prim.deploy.extraCaddy {
            lines += [""] + block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        var text = lines.joined(separator: "\n")
        if !text.hasSuffix("\n") { text += "\n" }
        return text
    }

    /// 127.0.0.1, not `localhost`: the address the gate checks, and never `::1`, where a
    /// resolver that lists `::1 localhost` first would send the traffic.
    static func upstream(_ port: Int) -> String { "reverse_proxy 127.0.0.1:\(port) {" }

}
