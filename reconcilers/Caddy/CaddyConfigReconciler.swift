import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

/// Caddy's config as a whole: composed from the header and every route fragment, checked with
/// `/adapt` before anything of the apply is written, then loaded once with `/load`, after the
/// prims it routes to have passed their gates and before anything is removed.
public struct CaddyConfigReconciler: Reconciler {
    public init() {}

    public let kind = ResourceKind.caddyConfig
    public let createOrder = 60
    public let removalOrder = 10
    public var marksOwnership: Bool { true }

    /// One config for the host; its content is composed from the routes when it is planned and loaded.
    public func desire(_ input: DesireInput) throws -> [DesiredResource] {
        [DesiredResource(address: ResourceNames.caddyConfig, prim: nil, path: input.config.caddyAdmin, content: "")]
    }

    public func observe(_ host: HostEnvironment, desired: DesiredHost) throws -> [ObservedResource] {
        [try CaddyObserver(config: host.config).running()]
    }

    /// A reload when routes changed, or when the running config does not serve a desired site.
    public func plan(_ input: KindPlanInput) -> [Change] {
        let changed = input.earlier.filter { $0.address.kind == .caddyFragment && $0.action != .noop }
        let path =
            input.desired(of: kind).first?.path ?? input.observed.resources[ResourceNames.caddyConfig]?.path ?? "caddy"
        func change(_ action: Action, _ reason: Reason? = nil) -> [Change] {
            [Change(address: ResourceNames.caddyConfig, prim: nil, path: path, action: action, reason: reason)]
        }
        if !changed.isEmpty {
            return change(
                .reload, Reason("routes-changed", "\(changed.count) route\(changed.count == 1 ? "" : "s") changed"))
        }
        // Caddy reads the certificates it loads only when it loads a config.
        let certificates = input.earlier.filter {
            $0.address.kind == .certificate && [.create, .update, .delete].contains($0.action)
        }
        if !certificates.isEmpty {
            return change(
                .reload,
                Reason(
                    "certificate-changed",
                    "certificate \(certificates.map(\.address.name).joined(separator: ", ")) is read again once it is issued, renewed or removed"
                ))
        }
        guard !input.desired(of: kind).isEmpty else { return [] }
        guard let running = input.observed.resources[ResourceNames.caddyConfig] else { return change(.noop) }
        let serves = Set(running.keys)
        let missing = input.desired(of: .caddyFragment).flatMap(\.keys).filter { !serves.contains($0) }
        if missing.isEmpty {
            if running.attributes[CaddyObserver.staleCertificates] != nil {
                return change(
                    .reload,
                    Reason(
                        "certificate-changed",
                        "a certificate in \(running.attributes[CaddyObserver.staleCertificates]!) changed since Caddy last loaded its config"
                    ))
            }
            guard running.attributes[CaddyObserver.staleMain] == nil else {
                return change(
                    .reload,
                    Reason(
                        "caddyfile-changed",
                        "the Caddyfile header or caddy.import changed since Caddy's config was last loaded"))
            }
            return change(.noop)
        }
        return change(
            .reload,
            Reason("running-config-stale", "the running config does not serve \(missing.joined(separator: ", "))"))
    }

    public func compare(_ desired: DesiredResource, _ live: ObservedResource?) -> Change {
        Change(address: desired.address, prim: nil, path: desired.path, action: .noop)
    }

    /// A load that an interrupted apply did not finish is done again.
    public func resumeAction(unfinished: Action) -> Action? { .reload }

    public func assumedApplied(_ desired: DesiredHost) -> [ObservedResource] {
        [
            ObservedResource(
                address: ResourceNames.caddyConfig, content: nil, digest: "",
                keys: desired.resources.filter { $0.address.kind == .caddyFragment }.flatMap(\.keys))
        ]
    }

    public func check(_ apply: ApplyContext) throws {
        guard loads(apply) else { return }
        let caddy = try CaddyExecutor.of(apply)
        try caddy.check(caddy.compose(fragments: CaddyRoutes.final(apply)))
    }

    /// One load of the routes as they now are (`CaddyRoutes.final`).
    public func execute(_ changes: [Change], _ apply: ApplyContext) throws {
        guard let change = changes.first else { return }
        let caddy = try CaddyExecutor.of(apply)
        try apply.step(change) {
            try caddy.load(caddy.compose(fragments: CaddyRoutes.final(apply)))
        }
    }

    public func remove(_ changes: [Change], _ apply: ApplyContext) throws {}

    func loads(_ apply: ApplyContext) -> Bool { apply.plan.pending.contains { $0.address.kind == kind } }
}
