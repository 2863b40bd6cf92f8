import CaddyReconciler
import CertificateReconciler
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
    public static let registry = KindRegistry([
        EnvFileReconciler(),
        ReleaseReconciler(),
        SystemdReconciler(),
        DNSReconciler(),
        CertificateReconciler(),
        CaddyRouteReconciler(),
        CaddyConfigReconciler(),
    ])

    public static var all: [any Reconciler] { registry.all }

    /// The kinds' pure planning, for planning without a host (pr.sh's checks).
    public static var planners: [any KindPlanner] { registry.planners }

    public static let allowMassDelete = SystemdReconciler.massDelete
    public static let allowDNSDeletes = DNSReconciler.allowDeletes

    /// Every resource the state asks of this host: `DesiredBuilder`'s rendering, then each kind's.
    public static func build(
        _ state: DesiredState, host: Host, config: HostConfig, secrets: [String: SecretValue],
        releases: [String: ReleaseManifest] = [:], unreadable: [String: String] = [:],
        versionKey: String = PrimRendering.processKey
    ) throws -> DesiredHost {
        try registry.build(
            state, host: host, config: config, secrets: secrets, releases: releases, unreadable: unreadable,
            versionKey: versionKey)
    }
}
