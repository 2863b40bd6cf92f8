import PrimEngine
import PrimGates
import PrimHost
import PrimModel
import PrimPlan
import PrimStatus
import SystemdReconciler

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Gates and conformance of running prims: asked, recorded in the status and the metrics.
extension Controller {
    /// Notes where each running prim's env values come from, as the plan rendered them, and how
    /// the live state declares it (name, description, public name).
    func recordSources(_ renderings: [String: PrimRendering], host: Host) {
        for index in status.prims.indices {
            let rendering = renderings[status.prims[index].prim]
            status.prims[index].envSources = rendering.map(\.sources)
            status.prims[index].name = rendering?.prim.name
            status.prims[index].description = rendering?.prim.description
            status.prims[index].endpoint = rendering.map { host.endpoint(for: $0.prim) }
        }
    }

    func record(_ gates: [GateResult]) {
        let time = Date()
        for gate in gates {
            let previous = status.prims.first { $0.prim == gate.prim }
            status.prims.removeAll { $0.prim == gate.prim }
            status.prims.append(
                ControllerStatus.PrimHealth.checked(
                    gate, previous: previous, rolledBackTo: status.rolledBack[gate.prim],
                    revision: status.liveRevision, at: time))
        }
        status.prims.sort { $0.prim < $1.prim }
        metrics.setUp(Dictionary(status.prims.map { ($0.prim, $0.up) }, uniquingKeysWith: { a, _ in a }))
        metrics.setRoutes(Dictionary(status.prims.map { ($0.prim, $0.routes ?? []) }, uniquingKeysWith: { a, _ in a }))
    }

    /// The longest a re-check of a running prim waits for its health path.
    static let recheckHealthSeconds = 10.0

    /// Asks every running prim of the live revision its gate and conformance again: how
    /// `passing_since` grows for promotion. Skipped while an apply holds the lock.
    func checkConformanceNow() {
        guard let repo = repository else { return }
        do {
            try onLiveRevision("conformance check", repo: repo) { session, desire in
                let blocked = Set((status.blocked ?? []).map(\.prim))
                let gates = desire.gates.values.filter { !blocked.contains($0.prim) }.sorted { $0.prim < $1.prim }
                guard !gates.isEmpty else { return }
                check(gates, session: session, renderings: desire.desired.renderings)
                publish()
            }
        } catch {
            log("conformance check failed: \(error)")
        }
    }

    /// Asks running prims' `gates` their health and conformance, and records the answers with a
    /// failing unit's last journal lines (redacted). A running prim has had its start-up time: the
    /// health path is waited on for at most `recheckHealthSeconds`.
    func check(_ gates: [HealthGate], session: HostSession, renderings: [String: PrimRendering]) {
        guard !gates.isEmpty else { return }
        // Each prim is asked at its serving version: that version's unit and port.
        let versions = (try? SystemdObserver(config: config, bus: session.bus).allVersions()) ?? [:]
        let gates = gates.map { gate in
            var gate = gate
            gate.timeout = min(gate.timeout, Self.recheckHealthSeconds)
            if let serving = versions[gate.prim].flatMap({ $0.serving ?? $0.running.first }) {
                gate.unit = serving.unit
                if let port = serving.port { gate.port = port }
            }
            return gate
        }
        let results = HTTPHealthChecker(bus: session.bus).check(gates)
        let units = SystemdExecutor(config: config, bus: session.bus)
        record(
            results.map { result in
                var result = result
                if !result.passed, let gate = gates.first(where: { $0.prim == result.prim }) {
                    result.journal = units.journal(unit: gate.unit, lines: 10)
                }
                return renderings[result.prim]?.redacting(result) ?? result
            })
        for result in results where !result.passed {
            log("prim \(result.prim): conformance check failed: \(result.message)")
        }
    }

    /// Checks at once the running prims an apply changed without restarting them (its routes,
    /// prices or health path, or its status to or from `live`): their last answer was to another
    /// declaration. The apply's own gates are `gated`.
    func recheck(
        _ gates: [String: HealthGate], besides gated: [GateResult], session: HostSession,
        renderings: [String: PrimRendering]
    ) {
        let changed = gates.values.filter { gate in
            guard !gated.contains(where: { $0.prim == gate.prim }) else { return false }
            guard let health = status.prims.first(where: { $0.prim == gate.prim }) else { return true }
            return health.release != gate.release || health.enforced != gate.enforce
        }
        check(changed.sorted { $0.prim < $1.prim }, session: session, renderings: renderings)
    }
}
