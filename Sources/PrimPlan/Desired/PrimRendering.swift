import PrimModel

/// Everything one deployed prim's files are rendered from, kept so the same code renders its
/// side-by-side candidate on another port: the candidate is the prim rendered again, not a
/// rewrite of the prim's rendered text.
public struct PrimRendering: Sendable {
    public var prim: Prim
    var host: Host
    var config: HostConfig
    /// Env values other than PORT, in order.
    var values: [EnvValue]
    var workdir: String?
    var restartTriggers: [String]
    /// The name of its persistent directory (`DesiredState.stateName`).
    var stateName: String

    struct EnvValue: Sendable {
        var key: String
        var value: String
        var source: ValueSource
    }

    /// Where each env value the prim gets comes from (never the value).
    public var sources: [String: ValueSource] { Dictionary(values.map { ($0.key, $0.source) }, uniquingKeysWith: { first, _ in first }) }

    /// The side-by-side candidate's files: its unit, named in `ResourceNames`, reads its own env file.
    public struct Candidate: Sendable {
        public var unit: String
        public var port: Int
        public var unitPath: String
        public var unitContent: String
        public var envPath: String
        public var envContent: String
        /// The prim's route with its upstream on the candidate's port.
        public var fragment: String
    }

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

    public func unit(envFile: String, port: Int?) -> String {
        var prim = self.prim
        prim.port = port
        return UnitFileRenderer.render(prim, host: host, workdir: workdir, envFile: envFile, restartTriggers: restartTriggers,
                                       confinement: UnitConfinement(config: config, host: host), stateName: stateName)
    }

    public func fragment(port: Int?) -> String {
        var prim = self.prim
        prim.port = port
        return CaddyFragmentRenderer.render(prim, host: host, scheme: config.caddyScheme)
    }

    public func candidate(port: Int) -> Candidate {
        let envPath = "\(config.envDir)/\(ResourceNames.candidateEnvFile(prim.id))"
        let unit = ResourceNames.candidateUnit(prim.id)
        return Candidate(unit: unit, port: port, unitPath: "\(config.unitDir)/\(unit)", unitContent: self.unit(envFile: envPath, port: port),
                         envPath: envPath, envContent: env(port: port), fragment: fragment(port: port))
    }
}
