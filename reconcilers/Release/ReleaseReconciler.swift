import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

/// Releases: content-addressed directories of a prim's code under `<data dir>/releases`. A new
/// one is written before anything else (running units keep theirs); an old one goes last.
public struct ReleaseReconciler: Reconciler {
    public init() {}

    public let kind = ResourceKind.release
    public let createOrder = 20
    public let removalOrder = 50

    public func observe(_ host: HostEnvironment, desired: DesiredHost) throws -> [ObservedResource] {
        try ReleaseObserver(config: host.config).observe()
    }

    public func stage(_ changes: [Change], _ apply: ApplyContext) throws {
        try apply.write(changes, with: files(apply))
    }

    /// Everything was written at the stage.
    public func execute(_ changes: [Change], _ apply: ApplyContext) throws {}

    public func remove(_ changes: [Change], _ apply: ApplyContext) throws {
        try apply.remove(changes, with: files(apply))
    }

    func files(_ apply: ApplyContext) -> any FileExecutor {
        apply.host.drivers.files(kind) { ReleaseExecutor(sources: apply.host.sources) }
    }

    public func directories(_ config: HostConfig) -> [String] { [config.paths.releases] }
}
