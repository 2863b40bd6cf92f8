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
        let overrides = Dictionary(uniqueKeysWithValues: apply.handovers.compactMap { prim in apply.candidates[prim].map { (prim, $0.fragment) } })
        do {
            let caddy = try CaddyExecutor(config: apply.host.config)
            try caddy.load(caddy.compose(fragments: CaddyRoutes.current(apply, overrides: overrides)))
        } catch {
            apply.handovers = []
            return
        }
        let moved = apply.handovers
        apply.atEnd {
            // The apply stopped before the new routes were loaded: a moved prim's route points at its
            // candidate, which is about to stop. Point it at the prim's own new version if that was
            // restarted, else back at its running one.
            guard !apply.flags.contains(CaddyRoutes.loaded), let caddy = try? CaddyExecutor(config: apply.host.config) else { return }
            var routes: [String: String] = [:]
            for prim in moved {
                let restarted = apply.applied.contains { $0.address == ResourceNames.unit(prim) }
                guard let fragment = apply.plan.changes.first(where: { $0.address == ResourceNames.fragment(prim) }),
                      let text = restarted ? fragment.after : fragment.before else { continue }
                routes[prim] = text
                // The file says what is live: a later apply that keeps this route as it is live reads it.
                if restarted, (try? caddy.write(fragment.path, content: text)) != nil {
                    apply.done(fragment, seconds: 0)
                }
            }
            try? caddy.load(caddy.compose(fragments: CaddyRoutes.current(apply, overrides: routes)))
        }
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
