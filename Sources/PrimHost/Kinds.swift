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
    /// `built` (the files of every deployed prim) with what each kind renders from the state besides.
    public static func desire(_ state: DesiredState, host: Host, config: HostConfig, built: DesiredHost) throws -> DesiredHost {
        var desired = built
        let input = DesireInput(state: state, host: host, config: config, desired: built)
        for kind in all {
            desired.resources += try kind.desire(input)
        }
        return desired
    }
}
