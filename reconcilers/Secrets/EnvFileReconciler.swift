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

    public func observe(_ host: HostEnvironment, desired: DesiredHost) throws -> [ObservedResource] {
        try EnvFileObserver(config: host.config).observe()
    }

    public func execute(_ changes: [Change], _ apply: ApplyContext) throws {
        try apply.write(changes, with: EnvFileExecutor(config: apply.host.config))
    }

    public func remove(_ changes: [Change], _ apply: ApplyContext) throws {
        try apply.remove(changes, with: EnvFileExecutor(config: apply.host.config))
    }

    public func directories(_ config: HostConfig) -> [String] { [config.envDir, "\(config.dataDir)/secrets"] }
}
