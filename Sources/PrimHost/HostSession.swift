import CaddyReconciler
import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem
import ReleaseReconciler
import SecretsReconciler
import SystemdReconciler

/// One host's view: what the state asks of it, what is live, and the plan between them.
public struct HostPlan {
    public var host: Host
    public var desired: DesiredHost
    public var plan: Plan
    public var gates: [String: HealthGate]
    /// The code of each deployed prim, as read from the source.
    public var releases: [String: ReleaseManifest] = [:]
}

/// What one state asks of this host.
public struct HostDesire {
    public var host: Host
    public var desired: DesiredHost
    public var gates: [String: HealthGate]
    public var releases: [String: ReleaseManifest] = [:]
}

/// Observes a host and plans against it; the one place desired meets observed.
public struct HostSession {
    public let config: HostConfig
    public let bus: SystemdBus
    /// Where prims' code is read from; nil plans without releases. Releases are read from the
    /// first tree that holds a file with the expected digest (a rollback reads an older commit).
    public let sources: [SourceTree]
    /// primd's periodic drift check (kinds whose observation costs money may skip it; see HostEnvironment).
    public var driftCheck = false

    public init(config: HostConfig, source: SourceTree?) throws {
        try self.init(config: config, sources: source.map { [$0] } ?? [])
    }

    public init(config: HostConfig, sources: [SourceTree]) throws {
        // Connect first: every stored property is then set at once, with nothing to undo if this throws.
        let bus = try SystemdBus(address: config.systemdBus)
        self.config = config
        self.sources = sources
        self.bus = bus
    }

    public var environment: HostEnvironment {
        var environment = HostEnvironment(config: config, bus: bus, sources: sources)
        environment.driftCheck = driftCheck
        return environment
    }

    /// Renders what `state` (with its code in `source`) asks of this host.
    public func desire(_ state: DesiredState, source: SourceTree?) throws -> HostDesire {
        let host = try DesiredBuilder.host(state, named: config.host)
        let stored = try SecretStore(config: config).values()
        let decrypted = DecryptedSecrets.decrypt(
            state, for: Set(state.deployedPrims(on: host).map(\.id)), config: config)
        // Each value comes only from where its declaration says: an `encrypted:` secret from its own
        // ciphertext, never the store; the store only for a secret declared `external: true` (the
        // operator's), which the state's declaration then gives to the prims it lists.
        var secrets: [String: SecretValue] = [:]
        for secret in state.secrets {
            if secret.encrypted != nil {
                if let value = decrypted.values[secret.name] {
                    secrets[secret.name] = SecretValue(value, source: .encrypted)
                }
            } else if let value = stored[secret.name] {
                secrets[secret.name] = SecretValue(value, source: .store)
            }
        }
        let releases = try source.map { try ReleaseManifest.releases(of: state, on: host, in: $0) } ?? [:]
        var desired = try Kinds.build(
            state, host: host, config: config, secrets: secrets, releases: releases,
            unreadable: decrypted.failures, versionKey: VersionKey.load(config))
        for name in state.secrets.filter({ $0.encrypted != nil && stored[$0.name] != nil }).map(\.name).sorted() {
            desired.notes.append(
                "secret \(name) is committed encrypted; this host's store also holds a value of that name, which is not used (only an 'external: true' declaration takes the store's value; remove \(config.paths.secret(name)) if it is not needed)"
            )
        }
        desired.notes += CommandPaths.notes(state, host: host, releases: releases)
        let declared = Set(state.secrets.map(\.name))
        for name in stored.keys.filter({ !declared.contains($0) }).sorted() {
            desired.notes.append(
                "this host's store holds secret \(name), which no secrets/*.yaml declares: no prim gets it (remove \(config.paths.secret(name)) if it is not needed)"
            )
        }
        return HostDesire(
            host: host, desired: desired,
            gates: HealthGate.gates(state, host: host, desired: desired, releases: releases),
            releases: releases)
    }

    /// Everything live that prim manages, each kind observed by its reconciler and marked by the
    /// inventory; with `desired`, also who else listens on the ports its prims declare.
    public func observe(for desired: DesiredHost? = nil) throws -> ObservedState {
        let inventory = try Inventory.load(dataDir: config.dataDir)
        let environment = self.environment
        let empty = DesiredHost(host: "", resources: [])
        var resources: [ObservedResource] = []
        for kind in Kinds.all {
            let observed = try kind.observe(environment, desired: desired ?? empty)
            resources += kind.marksOwnership ? observed : inventory.mark(observed)
        }
        return ObservedState(resources: resources, squatters: squatters(on: desired?.ports ?? [:]))
    }

    /// Listeners on each prim's port that are not one of that prim's own versions (or its unit
    /// from before versions) under this manager. A holder's cgroup names a unit; it counts as the prim's only
    /// if this manager's unit of that name has that very cgroup (another manager's unit of the same
    /// name, another prim, or a stray process does not).
    func squatters(on ports: [String: Int]) -> [Int: [PortHolder]] {
        // Each prim's port and the one its new versions start on (`HandoverPorts`).
        let owner = Dictionary(
            ports.flatMap { [($0.value, $0.key), (HandoverPorts.alternate(of: $0.value), $0.key)] },
            uniquingKeysWith: { a, _ in a })
        // Every prim's running versions in one round trip; a unit from before versions only where its file is.
        let versions = (try? SystemdObserver(config: config, bus: bus).allVersions()) ?? [:]
        func legacy(_ prim: String) -> [String] {
            let name = ResourceNames.legacyUnit(prim).name
            return (try? FileReader.bytes("\(config.unitDir)/\(name)")).flatMap { $0 } != nil ? [name] : []
        }
        func units(_ prim: String) -> [String] { (versions[prim]?.running.map(\.unit) ?? []) + legacy(prim) }
        // The cgroups of the prims' own versions under this manager, found together.
        let ids = bus.cgroupIDs(units: Set(owner.values).sorted().flatMap(units))
        func own(_ port: Int) -> Set<UInt64> {
            guard let prim = owner[port] else { return [] }
            return Set(units(prim).compactMap { ids[$0] }.filter { $0 != 0 })
        }
        var result: [Int: [PortHolder]] = [:]
        for (port, holders) in PortOwners.holders(of: Set(owner.keys), expected: own) {
            let ours = own(port)
            let foreign = holders.filter { holder in holder.cgroupID.map { !ours.contains($0) } ?? true }
            if !foreign.isEmpty { result[port] = foreign }
        }
        return result
    }

    public func plan(_ state: DesiredState) throws -> HostPlan {
        let desire = try self.desire(state, source: sources.first)
        var plan = try plan(desire.desired)
        plan.notes += try leftPackages(plan, state: state)
        // A prim the plan blocks (a key, a DNS record) is not deployed by it: nothing to judge.
        let blocked = Set(plan.blocked.map(\.prim))
        return HostPlan(
            host: desire.host, desired: desire.desired, plan: plan,
            gates: desire.gates.filter { !blocked.contains($0.value.prim) },
            releases: desire.releases)
    }

    /// A removed prim's package folder is git's to remove, not the host's: the plan says it stays and why.
    func leftPackages(_ plan: Plan, state: DesiredState) throws -> [String] {
        guard let source = sources.first else { return [] }
        let removed = Set(plan.changes.filter { $0.address.kind == .unit && $0.action == .delete }.compactMap(\.prim))
        struct Found: Error {}
        return try removed.filter { state.prim($0) == nil }.sorted().compactMap { id in
            // Whether the folder holds a file: the first one answers, none is kept.
            do { try source.forEachFile(under: StateLayout.package(id)) { _, _ in throw Found() } } catch is Found {
                return
                    "\(StateLayout.package(id))/ stays in the state: prim '\(id)' is removed and its code runs nowhere, but a prim created as '\(id)' again would run it (pr.sh takes no new files there and asks an operator to approve such a prim); remove the folder from git if it is not needed"
            }
            return nil
        }
    }

    /// The plan from what is live to `desired`.
    public func plan(_ desired: DesiredHost) throws -> Plan {
        Planner.plan(desired: desired, observed: try observe(for: desired), kinds: Kinds.planners)
    }

    /// The applier for this host. Call it holding the apply lock: it first clears what an
    /// interrupted apply's writers left half-written.
    public func applier() throws -> Applier {
        AtomicFile.removeStaleTemporaries(
            in: [config.dataDir, config.paths.generations] + Kinds.all.flatMap { $0.directories(config) })
        return Applier(kinds: Kinds.all, host: environment)
    }
}
