import PrimModel

/// The desired resources of one host, rendered from the state.
public struct DesiredHost: Sendable {
    public var host: String
    public var resources: [DesiredResource]
    public var blocked: [BlockedPrim]
    /// The port each deployed prim listens on.
    public var ports: [String: Int]
    /// How each deployed prim is rendered, for its side-by-side candidate on another port.
    public var renderings: [String: PrimRendering]
    /// What the plan should tell the operator that blocks nothing.
    public var notes: [String] = []
    /// Prims the state still declares for this host but not as deployed, with why (a removal's reason):
    /// "notes has no `status`: not deployed".
    public var undeployed: [String: String] = [:]
    /// Prims the state now places on another host, by prim: where they go. This host keeps serving
    /// one it runs until the other host has taken its DNS record and the record's TTL has passed.
    public var departing: [String: Departure] = [:]

    /// A prim moving to another host of the state.
    public struct Departure: Sendable, Equatable {
        /// The host it moves to.
        public var host: String
        /// The name its record is at there, and the record's TTL.
        public var name: String
        public var ttl: Int
        /// The DNS provider of the name's zone, and this host's (`dns.provider`): a move is
        /// coordinated through records only where both are one that marks its records.
        public var zoneProvider: String?
        public var hostProvider: String?

        public init(host: String, name: String, ttl: Int, zoneProvider: String? = nil, hostProvider: String? = nil) {
            self.host = host
            self.name = name
            self.ttl = ttl
            self.zoneProvider = zoneProvider
            self.hostProvider = hostProvider
        }
    }

    public init(
        host: String, resources: [DesiredResource], blocked: [BlockedPrim] = [], ports: [String: Int] = [:],
        renderings: [String: PrimRendering] = [:]
    ) {
        self.host = host
        self.resources = resources
        self.blocked = blocked
        self.ports = ports
        self.renderings = renderings
    }
}

/// Decides what to change: a pure function of desired and observed state. Each registered kind
/// plans its own resources, in create order; the planner only blocks, collects and orders.
public enum Planner {
    public static func plan(desired rendered: DesiredHost, observed: ObservedState, kinds: [any KindPlanner]) -> Plan {
        let kinds = kinds.sorted { $0.createOrder < $1.createOrder }
        let desired = rendered.blocking(squatted(rendered, observed) + kinds.flatMap { $0.blocks(rendered, observed) })
        var changes: [Change] = []
        for kind in kinds {
            changes += kind.plan(KindPlanInput(desired: desired, observed: observed, earlier: changes))
        }
        let notes = kinds.flatMap { kind in kind.notes(changes.filter { $0.address.kind == kind.kind }, observed) }
        var plan = Plan(
            host: desired.host, changes: ordered(changes, kinds), blocked: desired.blocked,
            notes: rendered.notes + notes)
        // Prims that leave for another host now (their move is no longer held): not removed from the fleet.
        let held = Set(desired.blocked.map(\.prim))
        plan.moved = rendered.departing.keys.filter { !held.contains($0) }.sorted()
        return plan
    }

    /// Prims whose port is held by a process that is none of prim's units: starting them would
    /// fail to bind, and a gate would be answered by the other process.
    /// The same for the port its new versions start on (`HandoverPorts`): Caddy's route names it too.
    static func squatted(_ desired: DesiredHost, _ observed: ObservedState) -> [BlockedPrim] {
        desired.ports.sorted { $0.key < $1.key }.compactMap { prim, port in
            for (what, port) in [("port", port), ("hand-over port", HandoverPorts.alternate(of: port))] {
                guard let holders = observed.squatters[port], !holders.isEmpty else { continue }
                return BlockedPrim(
                    prim: prim, missingEnv: [],
                    message:
                        "prim '\(prim)' is not deployed: its \(what) \(port) is held by \(holders.map(\.description).joined(separator: ", ")); stop that process or give the prim another port"
                )
            }
            return nil
        }
    }

    /// Apply order: creations and updates by create order; deletions after, by removal order.
    static func ordered(_ changes: [Change], _ kinds: [any KindPlanner]) -> [Change] {
        let create = Dictionary(kinds.map { ($0.kind, $0.createOrder) }, uniquingKeysWith: { a, _ in a })
        let removal = Dictionary(kinds.map { ($0.kind, $0.removalOrder) }, uniquingKeysWith: { a, _ in a })
        let removals = changes.filter { $0.action == .delete }
            .sorted {
                (removal[$0.address.kind] ?? 0, $0.address.name) < (removal[$1.address.kind] ?? 0, $1.address.name)
            }
        let rest = changes.filter { $0.action != .delete }
            .sorted {
                (create[$0.address.kind] ?? 0, $0.address.name) < (create[$1.address.kind] ?? 0, $1.address.name)
            }
        return rest + removals
    }
}
