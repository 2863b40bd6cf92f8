import PrimModel

/// Everything one deployed prim's files are rendered from, kept so that a version's env file is
/// rendered with the port the version runs on (the declared one or its alternate) by the same code.
public struct PrimRendering: Sendable {
    public var prim: Prim
    var host: Host
    var config: HostConfig
    /// Env values other than PORT, in order.
    var values: [EnvValue]
    /// Its release's directory, if it has one.
    public internal(set) var release: String?
    /// The port a new version runs on while the one serving holds the declared port.
    public internal(set) var alternatePort: Int?
    /// The digest of everything a version runs (`version`), set once the rest is.
    public internal(set) var version = ""
    /// The name of its persistent directory (`DesiredState.stateName`).
    var stateName: String

    struct EnvValue: Sendable {
        var key: String
        var value: String
        var source: ValueSource
    }

    /// Where each env value the prim gets comes from (never the value).
    public var sources: [String: ValueSource] { Dictionary(values.map { ($0.key, $0.source) }, uniquingKeysWith: { first, _ in first }) }

    /// `lines` (a unit's journal, shown on status pages and PRs) with every env value of six or
    /// more characters the prim is given replaced by `[KEY]`: a prim that prints its secret does
    /// not publish it through prim.
    /// The host's own env values are in git for anyone to read, and stay.
    /// Each value is also found as messages quote it (`Quoting`: escaped, or cut to its first 63 characters).
    public func redacting(_ lines: [String]) -> [String] {
        let secret = values.filter { $0.value.count >= 6 && $0.source != .host }
        let forms = secret.flatMap { value in
            Set([value.value, Quoting.escaped(value.value), Quoting.shown(value.value)]).map { (form: $0, key: value.key) }
        }.sorted { $0.form.count > $1.form.count }
        guard !forms.isEmpty else { return lines }
        return lines.map { line in
            forms.reduce(line) { $0.replacing($1.form, with: "[\($1.key)]") }
        }
    }

    /// The value the prim's env file gives `key` (other than PORT), if any.
    public func value(_ key: String) -> String? { values.first { $0.key == key }?.value }

    public var envPath: String { "\(config.envDir)/\(ResourceNames.envFile(prim.id).name)" }

    public func env(port: Int?) -> String {
        EnvFileRenderer.render(prim: prim, values: [("PORT", String(port ?? 0))] + values.map { ($0.key, $0.value) })
    }

    /// The ports its versions may listen on.
    public var ports: [Int] { [prim.port, alternatePort].compactMap { $0 } }

    /// The template unit every version of the prim runs as.
    public func unit() -> String {
        UnitFileRenderer.render(prim, host: host, release: release != nil, ports: ports,
                                confinement: UnitConfinement(config: config, host: host), stateName: stateName)
    }

    /// A version is named by the digest of what it runs: its template, its env (with the declared
    /// port) and its release. Any change to one is a new version, but for the template's keys that
    /// never restart a unit (`UnitComparison.neverRestart`: its description). The digest is keyed
    /// with the host's secret `key` (`<data dir>/version.key`): a version's name, which anyone on
    /// the host may list, cannot be used to guess a secret value offline.
    static func version(unit: String, env: String, release: String?, key: String) -> String {
        let settings = unit.split(separator: "\n").filter { line in
            !UnitComparison.neverRestart.contains { $0.hasPrefix("Unit.") && line.hasPrefix($0.dropFirst(5) + "=") }
        }.joined(separator: "\n")
        return String(Digest.sha256(key + "\u{0}" + settings + "\u{0}" + env + "\u{0}" + (release ?? "")).prefix(12))
    }

    /// A key of this process's own, for renderings no host keeps (pr.sh's plans of a state).
    public static let processKey = newKey()

    /// A new key for naming versions: 32 random bytes, as 64 hex digits.
    public static func newKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    public func fragment(port: Int?) -> String {
        var prim = self.prim
        prim.port = port
        return CaddyFragmentRenderer.render(prim, host: host, scheme: config.caddyScheme, alternate: alternatePort)
    }
}
