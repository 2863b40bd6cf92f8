#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif
import PrimEngine
import PrimPlan
import PrimSystem
import SecretsReconciler

/// Side-by-side starts for `live` prims about to restart: the new version first runs as
/// `prim-<id>-candidate.service` on a free port and must pass the prim's gate there. A prim whose
/// candidate fails keeps its running version — none of its changes are applied — so a broken
/// commit never takes a live prim down.
///
/// The candidate is the prim rendered again on another port (`PrimRendering.candidate`). One
/// that passes is left in `ApplyContext.candidates`: the route reconciler may point the prim's
/// route at it while the prim restarts; the others are stopped when the units are executed.
extension SystemdReconciler {
    static let candidateFilesRemoved = "candidate-unit-files-removed"

    func tryCandidates(_ changes: [Change], _ apply: ApplyContext) throws {
        let units = SystemdExecutor(config: apply.host.config, bus: apply.host.bus)
        let env = EnvFileExecutor(config: apply.host.config)
        sweepCandidates(apply, units, env)
        var tried: [(change: Change, gate: HealthGate, candidate: PrimRendering.Candidate)] = []
        for change in changes where change.action == .restart {
            guard let prim = change.prim, var gate = apply.gates[change.address.name], gate.enforce,
                  let rendering = apply.desired.renderings[prim] else { continue }
            let candidate = rendering.candidate(port: try FreePort.pick())
            gate.port = candidate.port
            gate.unit = candidate.unit
            try env.write(candidate.envPath, content: candidate.envContent)
            try units.write(candidate.unitPath, content: candidate.unitContent)
            tried.append((change, gate, candidate))
        }
        guard !tried.isEmpty else { return }
        defer {
            for (_, _, candidate) in tried {
                try? units.remove(candidate.unitPath)
                try? env.remove(candidate.envPath)
            }
            // The next daemon-reload makes the manager forget them.
            apply.flags.insert(Self.candidateFilesRemoved)
        }
        let clock = Date()
        try units.reload()
        // restart, not start: a candidate left running by an interrupted apply must pick up this one's files.
        let started = units.run(tried.map { UnitJob(unit: $0.candidate.unit, verb: .restart) }, timeout: apply.jobTimeout)
        let results = HTTPHealthChecker(bus: apply.host.bus).check(tried.filter { (started[$0.candidate.unit] ?? nil) == nil }.map(\.gate))
        // Why each failed candidate failed, and its journal, read before it is stopped.
        var failures: [(gate: HealthGate, change: Change, why: String, routes: [RouteResult]?, journal: [String])] = []
        for (change, gate, candidate) in tried {
            let failed = results.first { $0.prim == gate.prim && !$0.passed }
            let why = (started[candidate.unit] ?? nil).map { "did not start: \($0)" } ?? failed?.message
            if let why {
                failures.append((gate, change, why, failed?.routes, units.journal(unit: candidate.unit, lines: 10)))
            } else {
                apply.candidates[gate.prim] = candidate
            }
        }
        stop(failures.map(\.gate.prim), units, apply, names: failures.map(\.gate.unit))
        let passing = Array(apply.candidates.keys)
        apply.atEnd {
            // The new routes are loaded (or the apply stopped): candidates that served meanwhile stop,
            // once the requests Caddy sent them under the old routes are done.
            let serving = passing.filter { apply.candidates[$0] != nil }
            drain(serving.compactMap { apply.candidates[$0] })
            stop(serving, units, apply)
        }
        for (gate, change, why, routes, journal) in failures {
            let result = GateResult(prim: gate.prim, passed: false, enforced: true,
                                    message: "the new version failed its gate side by side on port \(gate.port) (\(why)); the running version keeps serving",
                                    seconds: Date().timeIntervalSince(clock), routes: routes, release: gate.release)
            apply.kept.insert(gate.prim)
            apply.degrade("\(change.address.name): \(result.message)", of: change.prim)
            apply.gate(result, journal: journal)
        }
    }

    /// Waits (at most a second) until no connection to a handing-over candidate is open.
    func drain(_ candidates: [PrimRendering.Candidate]) {
        let deadline = Date().addingTimeInterval(1)
        while Date() < deadline, candidates.contains(where: { PortOwners.connections(to: $0.port) > 0 }) {
            usleep(10_000)
        }
    }

    /// Stops the candidates of these prims (their files are already gone or about to be).
    func stop(_ prims: [String], _ units: SystemdExecutor, _ apply: ApplyContext, names: [String]? = nil) {
        let names = names ?? prims.map(ResourceNames.candidateUnit)
        for prim in prims { apply.candidates[prim] = nil }
        guard !names.isEmpty else { return }
        _ = units.run(names.map { UnitJob(unit: $0, verb: .stop) }, timeout: apply.jobTimeout)
    }

    /// Stops and removes candidates an interrupted apply left behind.
    func sweepCandidates(_ apply: ApplyContext, _ units: SystemdExecutor, _ env: EnvFileExecutor) {
        let config = apply.host.config
        var leftovers: [(unit: String, path: String)] = []
        for name in FileReader.names(in: config.unitDir, suffix: "-candidate.service") where name.hasPrefix("prim-") {
            leftovers.append((name, "\(config.unitDir)/\(name)"))
        }
        for name in FileReader.names(in: config.envDir, suffix: ".candidate") where name.hasPrefix(".") {
            try? env.remove("\(config.envDir)/\(name)")
        }
        guard !leftovers.isEmpty else { return }
        _ = units.run(leftovers.map { UnitJob(unit: $0.unit, verb: .stop) }, timeout: apply.jobTimeout)
        for leftover in leftovers { try? units.remove(leftover.path) }
        try? units.reload()
    }
}
