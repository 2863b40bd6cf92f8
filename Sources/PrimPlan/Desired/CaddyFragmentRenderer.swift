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
        lines += ["\thandle {", "\t\treverse_proxy localhost:\(prim.port ?? 0)", "\t}", "}"]
        for block in prim.deploy.extraCaddy {
            lines += [""] + block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        var text = lines.joined(separator: "\n")
        if !text.hasSuffix("\n") { text += "\n" }
        return text
    }
}
