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
        let files = EnvFileExecutor(config: apply.host.config)
        for change in changes {
            try apply.step(change) {
                try files.write(change.path, content: apply.content(change))
                try apply.owns(change.address, path: change.path)
            }
        }
    }

    public func remove(_ changes: [Change], _ apply: ApplyContext) throws {
        let files = EnvFileExecutor(config: apply.host.config)
        for change in changes {
            try apply.step(change) {
                try files.remove(change.path)
                try apply.owns(change.address, path: nil)
            }
        }
    }

    public func directories(_ config: HostConfig) -> [String] { [config.envDir, "\(config.dataDir)/secrets"] }
}
