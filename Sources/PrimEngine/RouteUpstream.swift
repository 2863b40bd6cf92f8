/// What a prim's route file says about its versions, the one fact the units' kind reads from the
/// route kind's files: its upstream line names the serving version's port first and the other
/// version's second (`reverse_proxy 127.0.0.1:<serving> 127.0.0.1:<other> {`). The route kind
/// writes it (and rewrites it only once Caddy loaded it); the units' kind reads which version serves.
public enum RouteUpstream {
    /// The upstream line. 127.0.0.1, not `localhost`: the address the gate checks, and never
    /// `::1`, where a resolver that lists `::1 localhost` first would send the traffic.
    public static func line(_ port: Int, _ other: Int?) -> String {
        "reverse_proxy 127.0.0.1:\(port)\(other.map { " 127.0.0.1:\($0)" } ?? "") {"
    }

    /// The ports a route's upstream line names: the serving version's first.
    public static func ports(_ text: String) -> [Int] {
        // The first line that starts (after tabs) with the upstream directive.
        var rest = Substring(text)
        while let found = rest.firstRange(of: "reverse_proxy 127.0.0.1:") {
            let start = rest[..<found.lowerBound].lastIndex(of: "\n").map { rest.index(after: $0) } ?? rest.startIndex
            guard rest[start..<found.lowerBound].allSatisfy({ $0 == "\t" }) else {
                rest = rest[found.upperBound...]; continue
            }
            let line = rest[found.lowerBound...].prefix { $0 != "\n" }
            return line.split(separator: " ").compactMap { word in
                word.hasPrefix("127.0.0.1:") ? Int(word.dropFirst("127.0.0.1:".count)) : nil
            }
        }
        return []
    }

    /// The port a route sends its traffic to (the serving version's), if it is one of prim's routes.
    public static func servingPort(_ text: String) -> Int? { ports(text).first }

    /// The route without the upstream ports not in `allowed` (the first stays if none is).
    public static func restricting(_ text: String, to allowed: Set<Int>) -> String {
        let ports = ports(text)
        let kept = ports.filter(allowed.contains)
        guard kept != ports, let first = kept.first ?? ports.first else { return text }
        let old = "\t" + line(ports[0], ports.count > 1 ? ports[1] : nil)
        return text.replacing(old, with: "\t" + line(first, kept.count > 1 ? kept[1] : nil))
    }

    /// The route with its traffic sent to `port` first (the version that serves), the other port second.
    public static func routing(_ text: String, to port: Int) -> String {
        let ports = ports(text)
        guard let first = ports.first, first != port else { return text }
        let second = ports.count > 1 ? (ports[1] == port ? first : ports[1]) : nil
        let old = "\t" + line(first, ports.count > 1 ? ports[1] : nil)
        return text.replacing(old, with: "\t" + line(port, second))
    }
}
