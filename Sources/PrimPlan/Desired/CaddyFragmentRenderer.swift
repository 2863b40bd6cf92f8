import PrimModel

/// Renders `<id>.caddy`: upstream's site block for a prim, and its extra blocks.
public enum CaddyFragmentRenderer {
    /// - Parameter scheme: `https` writes the bare endpoint (Caddy gets certificates); `http` writes `http://endpoint`.
    /// - Parameter alternate: the prim's other port (`HandoverPorts`), where a new version starts.
    public static func render(_ prim: Prim, host: Host, scheme: String = "https", alternate: Int? = nil) -> String {
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
        // The serving version's port first; the other version's second, tried only when the first
        // refuses (`lb_policy first`, a refused dial marks it down for a second): a request that
        // Caddy's previous config still routes to a version that just stopped reaches the one that
        // took over. While a prim restarts, Caddy holds requests for up to 5 s instead of answering 502.
        var handle = ["\thandle {", "\t\t" + upstream(prim.port ?? 0, alternate)]
        if alternate != nil { handle += ["\t\t\tlb_policy first", "\t\t\tfail_duration 1s"] }
        lines += handle + ["\t\t\tlb_try_duration 5s", "\t\t\tlb_try_interval 50ms", "\t\t}", "\t}", "}"]
        for block in prim.deploy.extraCaddy {
            lines += [""] + block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        var text = lines.joined(separator: "\n")
        if !text.hasSuffix("\n") { text += "\n" }
        return text
    }

    /// 127.0.0.1, not `localhost`: the address the gate checks, and never `::1`, where a
    /// resolver that lists `::1 localhost` first would send the traffic.
    static func upstream(_ port: Int, _ alternate: Int?) -> String {
        "reverse_proxy 127.0.0.1:\(port)\(alternate.map { " 127.0.0.1:\($0)" } ?? "") {"
    }

    /// The ports a route's upstream line names: the serving version's first.
    static func upstreamPorts(_ text: String) -> [Int] {
        let lines = text.split(separator: "\n").map { $0.drop { $0 == "\t" } }
        guard let line = lines.first(where: { $0.hasPrefix("reverse_proxy 127.0.0.1:") }) else { return [] }
        return line.split(separator: " ").compactMap { word in
            word.hasPrefix("127.0.0.1:") ? Int(word.dropFirst("127.0.0.1:".count)) : nil
        }
    }

    /// The port a route sends its traffic to (the serving version's), if it is one of prim's routes.
    public static func upstreamPort(_ text: String) -> Int? { upstreamPorts(text).first }

    /// The route with its traffic sent to `port` first (the version that serves), the other port second.
    public static func routing(_ text: String, to port: Int) -> String {
        let ports = upstreamPorts(text)
        guard let first = ports.first, first != port else { return text }
        let second = ports.count > 1 ? (ports[1] == port ? first : ports[1]) : nil
        let old = "\t" + upstream(first, ports.count > 1 ? ports[1] : nil)
        return text.replacing(old, with: "\t" + upstream(port, second))
    }
}
