import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

/// Env files: PORT, host values and secrets, one per prim, mode 0600. Their values are sensitive:
/// compared by digest, never shown.
public struct EnvFileReconciler: Reconciler {
    public init() {}

    public let kind = ResourceKind.envFile
    public let createOrder = 10
    public let removalOrder = 60
    public var sensitive: Bool { true }

    /// Each prim's env, with its declared port: what `diff` compares (its versions' env files are
    /// the same with the port each runs on, written by the units' hand-over).
    public func desire(_ input: DesireInput) throws -> [DesiredResource] {
        input.prims.map { rendering in
            DesiredResource(
                address: ResourceNames.envFile(rendering.prim.id), prim: rendering.prim.id, path: rendering.envPath,
                content: rendering.env(port: rendering.prim.port), sensitive: true,
                keys: ["PORT"] + rendering.values.map(\.key), sources: rendering.sources)
        }
    }

    public func observe(_ host: HostEnvironment, desired: DesiredHost) throws -> [ObservedResource] {
        let digests = Dictionary(
            desired.resources.filter { $0.address.kind == .envFile }.map { ($0.address.name, $0.digest) },
            uniquingKeysWith: { a, _ in a })
        return try EnvFileObserver(config: host.config).observe(desired: digests)
    }

    public func execute(_ changes: [Change], _ apply: ApplyContext) throws {
        try apply.write(changes, with: files(apply))
    }

    public func remove(_ changes: [Change], _ apply: ApplyContext) throws {
        try apply.remove(changes, with: files(apply))
    }

    func files(_ apply: ApplyContext) -> any FileExecutor {
        apply.host.drivers.files(kind) { EnvFileExecutor(config: apply.host.config) }
    }

    public func directories(_ config: HostConfig) -> [String] { [config.envDir, config.paths.secrets] }

    /// As any file, but a rewrite names the keys whose values differ (never the values).
    public func compare(_ resource: DesiredResource, _ live: ObservedResource?) -> Change {
        var change = compareFile(resource, live)
        if change.reason?.code == "content-changed", let live, let old = EnvKeyDigests.fromAttributes(live.attributes),
            let summary = EnvKeyDigests.summary(old: old, new: EnvKeyDigests.of(resource.content))
        {
            change.reason = Reason("content-changed", "\(summary) (values are sensitive and not shown)")
        }
        return change
    }
}
