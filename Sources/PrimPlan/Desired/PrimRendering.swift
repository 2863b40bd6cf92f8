import PrimModel

/// Everything one deployed prim's files are rendered from: each kind renders its own files from it
/// (the env file in Secrets, the unit template and version in Systemd, the route in Caddy), and a
/// version's env file is rendered with the port the version runs on by the same code.
public struct PrimRendering: Sendable {
    public var prim: Prim
    public internal(set) var host: Host
    public internal(set) var config: HostConfig
    /// Env values other than PORT, in order.
    public internal(set) var values: [EnvValue]
    /// Its release's directory, if it has one.
    public internal(set) var release: String?
    /// The port a new version runs on while the one serving holds the declared port.
    public internal(set) var alternatePort: Int?
    /// The name of its persistent directory (`DesiredState.stateName`).
    public internal(set) var stateName: String

    public struct EnvValue: Sendable {
        public var key: String
        public var value: String
        public var source: ValueSource
    }

    /// Where each env value the prim gets comes from (never the value).
    public var sources: [String: ValueSource] {
        Dictionary(values.map { ($0.key, $0.source) }, uniquingKeysWith: { first, _ in first })
    }

    /// `lines` (a unit's journal, shown on status pages and PRs) with every env value of six or
    /// more characters the prim is given replaced by `[KEY]`: a prim that prints its secret does
    /// not publish it through prim.
    /// The host's own env values are in git for anyone to read, and stay.
    /// Each value is also found as messages quote it (`Quoting`: escaped, or cut to its first 63 characters).
    public func redacting(_ lines: [String]) -> [String] {
        let secret = values.filter { $0.value.count >= 6 && $0.source != .host }
        let forms = secret.flatMap { value in
            Set([value.value, Quoting.escaped(value.value), Quoting.shown(value.value)]).map {
                (form: $0, key: value.key)
            }
        }.sorted { $0.form.count > $1.form.count }
        guard !forms.isEmpty else { return lines }
        return lines.map { line in
            forms.reduce(line) { $0.replacing($1.form, with: "[\($1.key)]") }
        }
    }

    /// The value the prim's env file gives `key` (other than PORT), if any.
    public func value(_ key: String) -> String? { values.first { $0.key == key }?.value }

    /// The ports its versions may listen on.
    public var ports: [Int] { [prim.port, alternatePort].compactMap { $0 } }

    /// Its two ports as its unit and route resources carry them (`port`, `alternate`): a route or a
    /// version on either is the prim's own.
    public var portAttributes: [String: String] {
        guard let port = prim.port, let alternatePort else { return [:] }
        return ["port": "\(port)", "alternate": "\(alternatePort)"]
    }

    /// A key of this process's own, for renderings no host keeps (pr.sh's plans of a state).
    public static let processKey = newKey()

    /// A new key for naming versions (the Systemd kind's): 32 random bytes, as 64 hex digits.
    public static func newKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
