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

/// Observes a host and plans against it; the one place desired meets observed.
public struct HostSession {
    public let config: HostConfig
    public let bus: SystemdBus
    /// Where prims' code is read from; nil plans without releases.
    public let source: SourceTree?

    public init(config: HostConfig, source: SourceTree?) throws {
        self.config = config
        self.source = source
        bus = try SystemdBus(address: config.systemdBus)
    }

    public func plan(_ state: DesiredState) throws -> HostPlan {
        let host = try DesiredBuilder.host(state, named: config.host)
        let secrets = try SecretStore(config: config).values()
        var releases: [String: ReleaseManifest] = [:]
        if let source {
            let cached = CachedSourceTree(source)
            for prim in state.deployedPrims(on: host) {
                releases[prim.id] = try ReleaseManifest.of(prim: prim.id, shared: host.shared, in: cached)
            }
        }
        let desired = DesiredBuilder.build(state, host: host, config: config, secrets: secrets, releases: releases)
        let env = try EnvFileObserver(config: config).observe()
        let released = try ReleaseObserver(config: config).observe()
        let units = try SystemdObserver(unitDir: config.unitDir, bus: bus).observe()
        let caddy = try CaddyObserver(config: config).observe()
        let inventory = try Inventory.load(dataDir: config.dataDir)
        let observed = ObservedState(resources: inventory.mark(env + released + units + caddy.resources), caddySites: caddy.sites)
        let plan = Planner.plan(desired: desired, observed: observed)
        return HostPlan(host: host, desired: desired, plan: plan, gates: HealthGate.gates(state, host: host))
    }

    public func executors() throws -> HostExecutors {
        HostExecutors(env: EnvFileExecutor(config: config), releases: ReleaseExecutor(source: source), units: SystemdExecutor(config: config, bus: bus),
                      routes: try CaddyExecutor(config: config), health: HTTPHealthChecker())
    }

    public func applier() throws -> Applier {
        Applier(executors: try executors(), dataDir: config.dataDir)
    }
}
