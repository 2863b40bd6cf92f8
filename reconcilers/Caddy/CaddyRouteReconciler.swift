import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

/// Route fragments: one `<id>.caddy` per prim, sending its traffic to the version that serves (the
/// declared port or its alternate; the file on disk always says which). Caddy reads them only when
/// its config is loaded (`CaddyConfigReconciler`).
///
/// At the stage, the second half of a hand-over: every version the units' stage started and gated
/// (`ApplyContext.moving`) takes its prim's traffic in one `/load`, and its route file is
/// rewritten to say so. A load that fails moves nothing: those prims are kept at the version serving.
public struct CaddyRouteReconciler: Reconciler {
    public init() {}

    public let kind = ResourceKind.caddyFragment
    public let createOrder = 50
    public let removalOrder = 20

    /// Each prim's route, sent to its declared port (the apply sends it to the version that serves).
    public func desire(_ input: DesireInput) throws -> [DesiredResource] {
        input.prims.map { rendering in
            let fragment = ResourceNames.fragment(rendering.prim.id)
            return DesiredResource(
                address: fragment, prim: rendering.prim.id, path: "\(input.config.caddyFragmentDir)/\(fragment.name)",
                content: rendering.route(port: rendering.prim.port), keys: [input.host.endpoint(for: rendering.prim)],
                attributes: rendering.portAttributes)
        }
    }

    public func observe(_ host: HostEnvironment, desired: DesiredHost) throws -> [ObservedResource] {
        try CaddyObserver(config: host.config).fragments()
    }

    /// A route that sends its traffic to the prim's alternate port is the same route: a version serves there.
    public func compare(_ resource: DesiredResource, _ live: ObservedResource?) -> Change {
        guard var live, let text = live.content, let port = resource.attributes["port"].flatMap({ Int($0) }),
            RouteUpstream.servingPort(text).map({ "\($0)" }) == resource.attributes["alternate"]
        else {
            return compareFile(resource, live)
        }
        live.content = RouteUpstream.routing(text, to: port)
        live.digest = Digest.sha256(live.content ?? "")
        return compareFile(resource, live)
    }

    public func stage(_ changes: [Change], _ apply: ApplyContext) throws {
        let moving = apply.moving
        guard !moving.isEmpty else { return }
        // The new route, sent to the new version, when it serves the names the live one does (the
        // config loaded later is then the same, and Caddy does not reload it); else the live route
        // sent there, and what else changes (a name, a block) waits for the config loaded after the
        // DNS records, as a new prim's whole route does.
        var routes: [String: String] = [:]
        for handover in moving {
            guard let port = handover.port, let live = CaddyRoutes.live(handover.prim, apply.host.config) else {
                continue
            }
            let desired = apply.resource(ResourceNames.fragment(handover.prim))?.content
            let text = desired.flatMap { CaddyRoutes.sites($0) == CaddyRoutes.sites(live) ? $0 : nil } ?? live
            routes[handover.prim] = RouteUpstream.routing(text, to: port)
        }
        guard !routes.isEmpty else { return }
        do {
            try CaddyRoutes.load(routes, apply)
            apply.routed(moving.map(\.prim).filter { routes[$0] != nil })
        } catch {
            for handover in moving
            where routes[handover.prim] != nil && !(apply.handovers[handover.prim]?.routed ?? false) {
                apply.keep(handover.prim)
                apply.degrade(
                    "\(ResourceNames.fragment(handover.prim).name): the route could not move to the new version (\(error)); the running version keeps serving",
                    of: handover.prim)
            }
        }
    }

    public func execute(_ changes: [Change], _ apply: ApplyContext) throws {
        guard !changes.isEmpty else { return }
        // Each route sent to the version that serves.
        try apply.write(changes, with: try CaddyExecutor.of(apply)) { change, text in
            CaddyRoutes.serving(text, of: change.prim, apply)
        }
    }

    /// The routes that moved to a version that then did not stay up (the units' settle reverted it)
    /// go back to the version it was to replace, as they were before the apply, in one `/load`, and
    /// their files say so; only then does that version stop. Until then (or if the load fails)
    /// Caddy tries the old version's port second.
    public func settle(_ apply: ApplyContext) throws {
        var routes: [String: String] = [:]
        let before = CaddyRoutes.before(apply)
        for handover in apply.reverted where handover.routed {
            // The route as it was before the apply (the stage may have moved the new text).
            var text = CaddyRoutes.live(handover.prim, apply.host.config)
            if let old = before[ResourceNames.fragment(handover.prim)] { text = old }
            guard let port = handover.routedFrom, let text else { continue }
            routes[handover.prim] = CaddyRoutes.confined(
                RouteUpstream.routing(text, to: port), of: handover.prim, serving: port, apply)
        }
        guard !routes.isEmpty else { return }
        do {
            try CaddyRoutes.load(routes, apply)
        } catch {
            for prim in routes.keys.sorted() {
                apply.degrade(
                    "\(ResourceNames.fragment(prim).name): the route could not go back to the running version (\(error)); Caddy tries it second",
                    of: prim)
            }
        }
    }

    /// The routes were dropped from Caddy when its new config was loaded; the files go now.
    public func remove(_ changes: [Change], _ apply: ApplyContext) throws {
        guard !changes.isEmpty else { return }
        try apply.remove(changes, with: try CaddyExecutor.of(apply))
    }

    public func directories(_ config: HostConfig) -> [String] { [config.caddyFragmentDir] }
}
