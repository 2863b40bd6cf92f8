import PrimModel
import PrimPlan

/// A list of resource kinds, and what they render together: the planner and the applier only
/// iterate it. The composition roots name the kinds (PrimHost's `Kinds`); pr.sh's core is handed
/// them, so it plans with every kind without linking one.
public struct KindRegistry: Sendable {
    public let all: [any Reconciler]

    public init(_ all: [any Reconciler]) {
        self.all = all
    }

    /// The kinds' pure planning, for planning without a host (pr.sh's checks).
    public var planners: [any KindPlanner] { all }

    /// `built` (each deployed prim's values and release) with the resources each kind renders from it.
    public func desire(
        _ state: DesiredState, host: Host, config: HostConfig, versionKey: String = PrimRendering.processKey,
        built: DesiredHost
    ) throws -> DesiredHost {
        var desired = built
        let input = DesireInput(state: state, host: host, config: config, desired: built, versionKey: versionKey)
        for kind in all {
            desired.resources += try kind.desire(input)
        }
        return desired
    }

    /// Every resource the state asks of this host: `DesiredBuilder`'s rendering, then each kind's.
    public func build(
        _ state: DesiredState, host: Host, config: HostConfig, secrets: [String: SecretValue],
        releases: [String: ReleaseManifest] = [:], unreadable: [String: String] = [:],
        versionKey: String = PrimRendering.processKey
    ) throws -> DesiredHost {
        try desire(
            state, host: host, config: config, versionKey: versionKey,
            built: DesiredBuilder.build(
                state, host: host, config: config, secrets: secrets, releases: releases, unreadable: unreadable))
    }
}
