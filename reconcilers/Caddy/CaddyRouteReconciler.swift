import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

/// Route fragments: one `<id>.caddy` per prim. Written after the prims they route to have
/// started and passed their gates; Caddy reads them only when its config is loaded (`CaddyConfigReconciler`).
///
/// At the stage, a prim whose route moves (a new port) while its new version restarts is served
/// by its side-by-side candidate (`ApplyContext.candidates`): the live routes are loaded with that
/// prim's route pointed at the candidate, until the new config is loaded.
public struct CaddyRouteReconciler: Reconciler {
    public init() {}

    public let kind = ResourceKind.caddyFragment
    public let createOrder = 50
    public let removalOrder = 20

    public func observe(_ host: HostEnvironment, desired: DesiredHost) throws -> [ObservedResource] {
        try CaddyObserver(config: host.config).fragments()
    }

    public func stage(_ changes: [Change], _ apply: ApplyContext) throws {
        let loads = apply.plan.pending.contains { $0.address.kind == .caddyConfig }
        let moving = Set(changes.filter { $0.action == .update }.compactMap(\.prim))
        apply.handovers = loads ? Set(apply.candidates.keys.filter(moving.contains)) : []
        guard !apply.handovers.isEmpty else { return }
        do {
            let caddy = try CaddyExecutor(config: apply.host.config)
            try caddy.load(caddy.compose(fragments: handoverRoutes(apply)))
        } catch {
            apply.handovers = []
        }
    }

    /// Caddy's routes as they are live, except that each handing-over prim's route points at its candidate.
    func handoverRoutes(_ apply: ApplyContext) -> [String] {
        let changed = Dictionary(apply.plan.pending.filter { $0.address.kind == kind }.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        var texts: [String] = []
        for fragment in apply.desired.resources where fragment.address.kind == kind {
            if let prim = fragment.prim, apply.handovers.contains(prim), let candidate = apply.candidates[prim] {
                texts.append(candidate.fragment)
            } else if let change = changed[fragment.address] {
                if let before = change.before { texts.append(before) }  // a new route is not live yet
            } else {
                texts.append(fragment.content)
            }
        }
        // Routes about to be removed are live until the new config is loaded.
        texts += changed.values.filter { $0.action == .delete }.sorted { $0.address < $1.address }.compactMap(\.before)
        return texts
    }

    public func execute(_ changes: [Change], _ apply: ApplyContext) throws {
        guard !changes.isEmpty else { return }
        try apply.write(changes, with: try CaddyExecutor(config: apply.host.config))
    }

    /// The routes were dropped from Caddy when its new config was loaded; the files go now.
    public func remove(_ changes: [Change], _ apply: ApplyContext) throws {
        guard !changes.isEmpty else { return }
        try apply.remove(changes, with: try CaddyExecutor(config: apply.host.config))
    }

    public func directories(_ config: HostConfig) -> [String] { [config.caddyFragmentDir] }
}
