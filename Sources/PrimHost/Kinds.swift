import CaddyReconciler
import DNSReconciler
import PrimEngine
import PrimModel
import PrimPlan
import ReleaseReconciler
import SecretsReconciler
import SystemdReconciler

/// Every resource kind prim manages on a host, registered once. The planner and the applier
/// only iterate this list; a new kind is a reconciler target and a line here.
public enum Kinds {
    public static let all: [any Reconciler] = [
        EnvFileReconciler(),
        ReleaseReconciler(),
        SystemdReconciler(),
        DNSReconciler(),
        CaddyRouteReconciler(),
        CaddyConfigReconciler(),
    ]

    /// The kinds' pure planning, for planning without a host (pr.sh's checks).
    public static var planners: [any KindPlanner] { all }

    public static let allowMassDelete = SystemdReconciler.massDelete
    public static let allowDNSDeletes = DNSReconciler.allowDeletes
}

extension Kinds {
    /// `built` (each deployed prim's values and release) with the resources each kind renders from it.
    public static func desire(_ state: DesiredState, host: Host, config: HostConfig, versionKey: String = PrimRendering.processKey,
                              built: DesiredHost) throws -> DesiredHost {
        var desired = built
        let input = DesireInput(state: state, host: host, config: config, desired: built, versionKey: versionKey)
        for kind in all {
            desired.resources += try kind.desire(input)
        }
        return desired
    }
}

extension Kinds {
    /// Every resource the state asks of this host: `DesiredBuilder`'s rendering, then each kind's.
    public static func build(_ state: DesiredState, host: Host, config: HostConfig, secrets: [String: SecretValue],
                             releases: [String: ReleaseManifest] = [:], unreadable: [String: String] = [:],
                             versionKey: String = PrimRendering.processKey) throws -> DesiredHost {
        try desire(state, host: host, config: config, versionKey: versionKey,
                   built: DesiredBuilder.build(state, host: host, config: config, secrets: secrets, releases: releases, unreadable: unreadable))
    }
}
