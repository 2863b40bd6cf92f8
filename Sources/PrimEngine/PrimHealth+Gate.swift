import PrimStatus

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ControllerStatus.PrimHealth {
    /// The health a gate's result gives a prim; `passing_since` carries on from `previous` while
    /// the same release keeps passing.
    public static func checked(
        _ gate: GateResult, previous: Self?, rolledBackTo: String?, revision: String?, at time: Date
    ) -> Self {
        var health = Self(prim: gate.prim, up: gate.passed, message: gate.message, rolledBackTo: rolledBackTo)
        health.enforced = gate.enforced
        health.release = gate.release
        health.routes = gate.routes
        health.revision = revision
        health.checkedAt = time
        health.journal = gate.passed ? nil : gate.journal
        health.envSources = previous?.envSources
        (health.name, health.description, health.endpoint) = (previous?.name, previous?.description, previous?.endpoint)
        health.lastFailure =
            gate.passed
            ? previous?.lastFailure
            : Failure(
                message: gate.message, release: gate.release, revision: revision, routes: gate.routes,
                journal: gate.journal, at: time)
        if gate.passed {
            let carried = previous.flatMap { $0.release == gate.release && $0.up ? $0.passingSince : nil }
            health.passingSince = carried ?? time
        }
        return health
    }
}
