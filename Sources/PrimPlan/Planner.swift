/// The desired resources of one host, rendered from the state.
public struct DesiredHost: Sendable {
    public var host: String
    public var resources: [DesiredResource]
    public var blocked: [BlockedPrim]
    /// The port each deployed prim listens on.
    public var ports: [String: Int]

    public init(host: String, resources: [DesiredResource], blocked: [BlockedPrim] = [], ports: [String: Int] = [:]) {
        self.host = host
        self.resources = resources
        self.blocked = blocked
        self.ports = ports
    }
}

/// Decides what to change: a pure function of desired and observed state.
public enum Planner {
    public static func plan(desired rendered: DesiredHost, observed: ObservedState) -> Plan {
        let desired = rendered.blocking(squatted(rendered, observed))
        var changes: [Change] = []
        let desiredByAddress = Dictionary(desired.resources.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        for resource in desired.resources where resource.address.kind != .caddyConfig {
            let live = observed.resources[resource.address]
            switch resource.address.kind {
            case .unit: changes.append(unitChange(resource, live))
            default: changes.append(fileChange(resource, live))
            }
        }
        let blocked = Set(desired.blocked.map(\.prim))
        for (address, live) in observed.resources where desiredByAddress[address] == nil && live.owned {
            guard address.kind != .caddyConfig else { continue }
            if let prim = ResourceNames.prim(of: address), blocked.contains(prim) { continue }
            changes.append(Change(address: address, prim: ResourceNames.prim(of: address), path: live.path, action: .delete,
                                  reason: Reason("removed", "no deployed prim declares it any more"),
                                  sensitive: address.kind == .envFile, before: live.content))
        }
        if let config = desiredByAddress[ResourceNames.caddyConfig] {
            changes.append(caddyChange(config, changes: changes, sites: observed.caddySites))
        } else if changes.contains(where: { $0.address.kind == .caddyFragment && $0.action != .noop }) {
            changes.append(Change(address: ResourceNames.caddyConfig, prim: nil, path: "caddy", action: .reload,
                                  reason: Reason("routes-changed", "routes changed")))
        }
        return Plan(host: desired.host, changes: ordered(changes), blocked: desired.blocked)
    }

    /// Prims whose port is held by a process that is none of prim's units: starting them would
    /// fail to bind, and a gate would be answered by the other process.
    static func squatted(_ desired: DesiredHost, _ observed: ObservedState) -> [BlockedPrim] {
        desired.ports.sorted { $0.key < $1.key }.compactMap { prim, port in
            guard let holders = observed.squatters[port], !holders.isEmpty else { return nil }
            return BlockedPrim(prim: prim, missingEnv: [], message:
                "prim '\(prim)' is not deployed: its port \(port) is held by \(holders.map(\.description).joined(separator: ", ")); stop that process or give the prim another port")
        }
    }

    /// Apply order: creations and updates by phase; deletions after, in reverse phase.
    static func ordered(_ changes: [Change]) -> [Change] {
        let removals = changes.filter { $0.action == .delete }.sorted { ($1.address.kind, $0.address.name) < ($0.address.kind, $1.address.name) }
        let rest = changes.filter { $0.action != .delete }.sorted { $0.address < $1.address }
        return rest + removals
    }

    static func fileChange(_ resource: DesiredResource, _ live: ObservedResource?) -> Change {
        func change(_ action: Action, _ reason: Reason?, writes: Bool) -> Change {
            Change(address: resource.address, prim: resource.prim, path: resource.path, action: action, reason: reason,
                   sensitive: resource.sensitive, before: live?.content, after: resource.content, keys: resource.keys,
                   writesContent: writes)
        }
        guard let live else { return change(.create, Reason("new", "not on the host yet"), writes: true) }
        if live.digest == resource.digest { return change(.noop, nil, writes: false) }
        if !live.owned {
            return change(.update, Reason("adopt", "a file without prim's marker is in the way; prim will take it over"), writes: true)
        }
        if resource.sensitive {
            return change(.update, Reason("content-changed", "values changed; they are sensitive and not shown"), writes: true)
        }
        return change(.update, Reason("content-changed", "content changed"), writes: true)
    }

    static func unitChange(_ resource: DesiredResource, _ live: ObservedResource?) -> Change {
        func change(_ action: Action, _ reason: Reason?, writes: Bool) -> Change {
            Change(address: resource.address, prim: resource.prim, path: resource.path, action: action, reason: reason,
                   before: live?.content, after: resource.content, writesContent: writes)
        }
        guard let live else {
            return change(.create, Reason("new", resource.running ? "not on the host yet" : "not on the host yet; stays stopped (status hold)"), writes: true)
        }
        let running = live.runtime?.isRunning ?? false
        let state = live.runtime.map { "\($0.activeState)" } ?? "unknown"
        let effect = UnitComparison.effect(old: live.content ?? "", new: resource.content)
        let writes = effect != .none
        if !resource.running {
            if running { return change(.stop, Reason("hold", "status is hold; the unit is stopped, route and DNS kept"), writes: writes) }
            return writes ? change(.update, Reason("content-changed", "unit file changed; stays stopped (status hold)"), writes: true)
                          : change(.noop, nil, writes: false)
        }
        if !running {
            return change(.start, Reason("inactive", "unit is \(state)\(writes ? " and its file changed" : "")"), writes: writes)
        }
        switch effect {
        case .none: return change(.noop, nil, writes: false)
        case .restartTriggers:
            return change(.restart, Reason("restart-triggers-changed", "X-Restart-Triggers changed"), writes: true)
        case .restart(let keys):
            return change(.restart, Reason("unit-changed", "\(keys.joined(separator: ", ")) changed"), writes: true)
        case .reenable(let keys):
            return change(.update, Reason("install-changed", "\(keys.joined(separator: ", ")) changed; re-enable only, no restart"), writes: true)
        case .rewriteOnly(let keys):
            return change(.update, Reason("documentation-changed", "only \(keys.joined(separator: ", ")) changed; no restart"), writes: true)
        }
    }

    static func caddyChange(_ config: DesiredResource, changes: [Change], sites: Set<String>?) -> Change {
        let changed = changes.filter { $0.address.kind == .caddyFragment && $0.action != .noop }
        let noop = Change(address: config.address, prim: nil, path: config.path, action: .noop)
        if !changed.isEmpty {
            let count = changed.count
            return Change(address: config.address, prim: nil, path: config.path, action: .reload,
                          reason: Reason("routes-changed", "\(count) route\(count == 1 ? "" : "s") changed"))
        }
        guard let sites else { return noop }
        let missing = config.keys.filter { !sites.contains($0) }
        if missing.isEmpty { return noop }
        return Change(address: config.address, prim: nil, path: config.path, action: .reload,
                      reason: Reason("running-config-stale", "the running config does not serve \(missing.joined(separator: ", "))"))
    }
}
