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
}

/// What one state asks of this host.
public struct HostDesire {
    public var host: Host
    public var desired: DesiredHost
    public var gates: [String: HealthGate]
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
        let decrypted = DecryptedSecrets.decrypt(state, for: Set(state.deployedPrims(on: host).map(\.id)), config: config)
        // The host's store wins over a committed value, and the plan says so.
        let secrets = decrypted.values.merging(stored) { _, store in store }
        var unreadable = decrypted.failures
        for name in unreadable.keys where stored[name] != nil { unreadable[name] = nil }
        let releases = try source.map { try ReleaseManifest.releases(of: state, on: host, in: $0) } ?? [:]
        var desired = try Kinds.desire(state, host: host, config: config,
                                       built: DesiredBuilder.build(state, host: host, config: config, secrets: secrets, releases: releases,
                                                                   unreadable: unreadable))
        for name in state.secrets.filter({ $0.encrypted != nil && stored[$0.name] != nil }).map(\.name).sorted() {
            desired.notes.append("secret \(name) is committed encrypted and also set in this host's store; the store's value is used (remove \(config.dataDir)/secrets/\(name) to use the committed one)")
        }
        return HostDesire(host: host, desired: desired, gates: HealthGate.gates(state, host: host, desired: desired, releases: releases))
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

    /// Listeners on each prim's port that are not that prim's own unit (or its side-by-side
    /// candidate) under this manager. A holder's cgroup names a unit; it counts as the prim's only
    /// if this manager's unit of that name has that very cgroup (another manager's unit of the same
    /// name, another prim, or a stray process does not).
    func squatters(on ports: [String: Int]) -> [Int: [PortHolder]] {
        let owner = Dictionary(ports.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        var result: [Int: [PortHolder]] = [:]
        for (port, holders) in PortOwners.holders(of: Set(owner.keys)) {
            guard let prim = owner[port] else { continue }
            let own = [ResourceNames.unit(prim).name, ResourceNames.candidateUnit(prim)]
            let foreign = holders.filter { holder in
                guard let unit = holder.unit, own.contains(unit), let id = holder.cgroupID,
                      let ours = try? bus.identity(unit: unit) else { return true }
                return ours.cgroupID != id
            }
            if !foreign.isEmpty { result[port] = foreign }
        }
        return result
    }

    public func plan(_ state: DesiredState) throws -> HostPlan {
        let desire = try self.desire(state, source: sources.first)
        return HostPlan(host: desire.host, desired: desire.desired, plan: try plan(desire.desired), gates: desire.gates)
    }

    /// The plan from what is live to `desired`.
    public func plan(_ desired: DesiredHost) throws -> Plan {
        Planner.plan(desired: desired, observed: try observe(for: desired), kinds: Kinds.planners)
    }

    /// The applier for this host. Call it holding the apply lock: it first clears what an
    /// interrupted apply's writers left half-written.
    public func applier() throws -> Applier {
        AtomicFile.removeStaleTemporaries(in: [config.dataDir, "\(config.dataDir)/generations"] + Kinds.all.flatMap { $0.directories(config) })
        return Applier(kinds: Kinds.all, host: environment)
    }
}
