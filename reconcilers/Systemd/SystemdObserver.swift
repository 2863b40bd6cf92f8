import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

/// Observes prim's units: their files in the unit directory, the versions the manager runs of
/// each template, and which of those serves (the one the prim's route sends its traffic to).
public struct SystemdObserver {
    public let config: HostConfig
    public let manager: any UnitManager

    public init(config: HostConfig, bus: SystemdBus) {
        self.init(config: config, manager: bus)
    }

    public init(config: HostConfig, manager: any UnitManager) {
        self.config = config
        self.manager = manager
    }

    /// The versions of one prim the manager has loaded, and the one that serves.
    public struct Versions: Sendable, Equatable {
        public struct Running: Sendable, Equatable {
            public var version: String
            public var unit: String
            public var port: Int?
            public var runtime: UnitRuntime

            public init(version: String, unit: String, port: Int?, runtime: UnitRuntime) {
                self.version = version
                self.unit = unit
                self.port = port
                self.runtime = runtime
            }
        }

        /// Versions whose unit runs (active, activating), by version.
        public var running: [Running] = []
        /// A version the manager knows but that does not run (failed), for status.
        public var stopped: [Running] = []
        /// The ports the prim's route sends its traffic to (its route file: the serving version's
        /// first, the other second), if it has one.
        public var routedPorts: [Int] = []
        /// The port the route sends its traffic to first.
        public var routedPort: Int? { routedPorts.first }

        public init(running: [Running] = [], stopped: [Running] = [], routedPorts: [Int] = []) {
            self.running = running
            self.stopped = stopped
            self.routedPorts = routedPorts
        }

        /// The version that serves, as Caddy chooses it: the one on the route's first port, else the
        /// one on its second (Caddy tries it when the first refuses), an `active` one before one that
        /// only starts or waits to restart (a crash loop refuses); for a prim without a route, the
        /// only one running. A route that points elsewhere (a unit from before versions, stopped
        /// versions) has no version serving.
        public var serving: Running? {
            guard !routedPorts.isEmpty else { return running.count == 1 ? running[0] : nil }
            let ordered = routedPorts.compactMap { port in running.first { $0.port == port } }
            return ordered.first { $0.runtime.activeState == "active" } ?? ordered.first
        }

        /// The version to show for the prim: the one serving, else one that runs, else the last that ran.
        public var shown: Running? { serving ?? running.first ?? stopped.last }
    }

    public func observe() throws -> [ObservedResource] {
        let names = FileReader.names(in: config.unitDir, suffix: ".service").filter { $0.hasPrefix("prim-") }
        let legacy = names.filter { !$0.contains("@") }
        let states = try manager.states(units: legacy)
        let versions = try allVersions()
        let files = versionFiles()
        return try names.compactMap { name in
            guard let bytes = try FileReader.bytes("\(config.unitDir)/\(name)"),
                let prim = ResourceNames.prim(ofUnit: name)
            else { return nil }
            let text = String(decoding: bytes, as: UTF8.self)
            var runtime = states[name] ?? UnitRuntime(loadState: "not-found", activeState: "inactive")
            var attributes: [String: String] = [:]
            if ResourceNames.isTemplate(name) {
                let observed = self.versions(of: prim, among: versions)
                runtime = observed.shown?.runtime ?? UnitRuntime(loadState: "loaded", activeState: "inactive")
                attributes["running"] = observed.running.map(\.version).sorted().joined(separator: " ")
                if let serving = observed.serving { attributes["serving"] = serving.version }
                let stray = strays(of: prim, files: files[prim] ?? [], versions: observed).sorted()
                if !stray.isEmpty { attributes["stray"] = stray.joined(separator: " ") }
            }
            return ObservedResource(
                address: ResourceAddress(.unit, name), path: "\(config.unitDir)/\(name)", content: text,
                digest: Digest.sha256(bytes),
                owned: text.hasPrefix(ResourceNames.ownershipMarker), runtime: runtime, prim: prim,
                attributes: attributes)
        }
    }

    /// The versions each prim has files of: an env file, a release link, a link that starts it at boot.
    public func versionFiles() -> [String: Set<String>] {
        var names = FileReader.names(in: config.envDir, suffix: ".env").filter { $0.contains("@") }.map {
            UnitName.instance(versionStem: String($0.dropLast(4)))
        }
        names += FileReader.names(in: config.paths.versions, suffix: "").filter { $0.contains("@") }.map {
            UnitName.instance(versionStem: $0)
        }
        names += FileReader.names(in: "\(config.unitDir)/multi-user.target.wants", suffix: ".service")
        var result: [String: Set<String>] = [:]
        for name in names {
            guard let prim = ResourceNames.prim(ofUnit: name), let version = ResourceNames.version(ofUnit: name) else {
                continue
            }
            result[prim, default: []].insert(version)
        }
        return result
    }

    /// The versions of a prim that have files but do not run, but for the one its route names
    /// (stopped or failed, it is the version a restart or a reboot brings back).
    public func strays(of prim: String, files: Set<String>, versions: Versions) -> Set<String> {
        let routed = versions.routedPort ?? routedPorts(of: prim).first
        return files.subtracting(versions.running.map(\.version)).filter { version in
            routed == nil || port(of: prim, version: version) != routed
        }
    }

    /// Every prim's versions, in one round trip to the manager.
    public func allVersions() throws -> [String: Versions] {
        try group(manager.states(matching: [ResourceNames.instances("*")]))
    }

    /// One prim's versions.
    public func versions(of prim: String) throws -> Versions {
        versions(of: prim, among: try group(manager.states(matching: [ResourceNames.instances(prim)])))
    }

    /// One prim's versions among every prim's (`allVersions`): none loaded, its route all there is.
    public func versions(of prim: String, among all: [String: Versions]) -> Versions {
        all[prim] ?? Versions(routedPorts: routedPorts(of: prim))
    }

    func group(_ states: [String: UnitRuntime]) -> [String: Versions] {
        var result: [String: Versions] = [:]
        for (unit, runtime) in states.sorted(by: { $0.key < $1.key }) {
            guard let prim = ResourceNames.prim(ofUnit: unit), let version = ResourceNames.version(ofUnit: unit) else {
                continue
            }
            var versions = result[prim] ?? Versions(routedPorts: routedPorts(of: prim))
            let entry = Versions.Running(
                version: version, unit: unit, port: port(of: prim, version: version), runtime: runtime)
            if runtime.isRunning { versions.running.append(entry) } else { versions.stopped.append(entry) }
            result[prim] = versions
        }
        return result
    }

    /// The PORT a version's env file gives it (the only value read from that file).
    func port(of prim: String, version: String) -> Int? {
        guard let bytes = FileReader.stream("\(config.envDir)/\(ResourceNames.versionEnvFile(prim, version: version))")
        else { return nil }
        let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("PORT=") }
        return line.flatMap { Int($0.dropFirst(5)) }
    }

    /// The ports the prim's route file sends its traffic to, the serving version's first.
    func routedPorts(of prim: String) -> [Int] {
        (FileReader.stream("\(config.caddyFragmentDir)/\(ResourceNames.fragment(prim).name)"))
            .map { RouteUpstream.ports(String(decoding: $0, as: UTF8.self)) } ?? []
    }
}
