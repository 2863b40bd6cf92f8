#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif
import PrimPlan
import PrimSystem

/// Side-by-side starts for `live` prims about to restart: the new version first runs as
/// `prim-<id>-candidate.service` on a free port and must pass the prim's gate there. A prim whose
/// candidate fails keeps its running version — none of its changes are applied — so a broken
/// commit never takes a live prim down.
///
/// A candidate whose prim's route changes too (a new port) keeps running: the route points at it
/// while the prim restarts, until the new routes are loaded — so a port change drops no request.
extension Applier {
    struct Candidate {
        var change: Change
        var gate: HealthGate
        var unit: String
        var unitPath: String
        var envPath: String
        /// The port the prim's new version listens on once restarted.
        var newPort: Int
    }

    struct CandidateOutcome {
        /// Prims whose candidate failed: their running version is kept.
        var kept: Set<String> = []
        /// Candidate unit files were written and removed (the caller's next daemon-reload forgets them).
        var removedUnits = false
        /// Passing candidates left running to serve their prim's route while it moves.
        var handovers: [Candidate] = []
    }

    func tryCandidates(_ updates: [Change], contents: [ResourceAddress: DesiredResource], gates: [String: HealthGate],
                       movingRoutes: Set<String>, run: inout Run, report: (ApplyEvent) -> Void) throws -> CandidateOutcome {
        sweepCandidates(contents)
        var candidates: [Candidate] = []
        for change in updates where change.address.kind == .unit && change.action == .restart {
            guard let prim = change.prim, var gate = gates[change.address.name], gate.enforce,
                  let unit = contents[change.address], let env = contents[ResourceNames.envFile(prim)] else { continue }
            let port = try FreePort.pick()
            let name = ResourceNames.candidateUnit(prim)
            let newPort = gate.port
            gate.port = port
            gate.unit = name
            let candidate = Candidate(change: change, gate: gate, unit: name,
                                      unitPath: "\(PathName.directory(of: change.path))/\(name)",
                                      envPath: "\(PathName.directory(of: env.path))/.\(prim).candidate",
                                      newPort: newPort)
            let envText = env.content.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasPrefix("PORT=") ? "PORT=\(port)" : String($0) }.joined(separator: "\n")
            try executors.env.write(candidate.envPath, content: envText)
            try executors.units.write(candidate.unitPath, content: unit.content
                .replacing("EnvironmentFile=\(env.path)", with: "EnvironmentFile=\(candidate.envPath)")
                .replacing(UnitConfinement.socketBindAllow(port: newPort), with: UnitConfinement.socketBindAllow(port: port)))
            candidates.append(candidate)
        }
        guard !candidates.isEmpty else { return CandidateOutcome() }
        defer {
            for candidate in candidates {
                try? executors.units.remove(candidate.unitPath)
                try? executors.env.remove(candidate.envPath)
            }
        }
        let clock = Date()
        try executors.units.reload()
        // restart, not start: a candidate left running by an interrupted apply must pick up this one's files.
        let started = executors.units.run(candidates.map { UnitJob(unit: $0.unit, verb: .restart) }, timeout: jobTimeout)
        let results = executors.health.check(candidates.filter { (started[$0.unit] ?? nil) == nil }.map(\.gate))
        // Why each failed candidate failed, and its journal, read before it is stopped.
        var failures: [(candidate: Candidate, why: String, journal: [String])] = []
        for candidate in candidates {
            let why = (started[candidate.unit] ?? nil).map { "did not start: \($0)" }
                ?? results.first { $0.prim == candidate.gate.prim && !$0.passed }?.message
            if let why { failures.append((candidate, why, executors.units.journal(unit: candidate.unit, lines: 10))) }
        }
        let failed = Set(failures.map(\.candidate.unit))
        let handovers = candidates.filter { !failed.contains($0.unit) && movingRoutes.contains($0.gate.prim) }
        stop(candidates.filter { candidate in !handovers.contains { $0.unit == candidate.unit } })

        for (candidate, why, journal) in failures {
            let result = GateResult(prim: candidate.gate.prim, passed: false, enforced: true,
                                    message: "the new version failed its gate side by side on port \(candidate.gate.port) (\(why)); the running version keeps serving",
                                    seconds: Date().timeIntervalSince(clock))
            run.gates.append(result)
            run.degraded = true
            run.errors.append("\(candidate.change.address.name): \(result.message)")
            report(.gate(result, journal: journal))
        }
        return CandidateOutcome(kept: Set(failures.map(\.candidate.gate.prim)), removedUnits: true, handovers: handovers)
    }

    /// Stops candidate units (their files are already gone or about to be).
    /// Waits (at most a second) until no connection to a handing-over candidate is open.
    func drain(_ candidates: [Candidate]) {
        let deadline = Date().addingTimeInterval(1)
        while Date() < deadline, candidates.contains(where: { PortOwners.connections(to: $0.gate.port) > 0 }) {
            usleep(10_000)
        }
    }

    func stop(_ candidates: [Candidate]) {
        guard !candidates.isEmpty else { return }
        _ = executors.units.run(candidates.map { UnitJob(unit: $0.unit, verb: .stop) }, timeout: jobTimeout)
    }

    /// Caddy's routes as they are live, except that each handing-over prim's new route points at
    /// its candidate. Loaded before the restarts; the new routes replace them after the gates.
    func handoverRoutes(_ pending: [Change], fragments: [DesiredResource], handovers: [Candidate]) -> String {
        let changed = Dictionary(pending.filter { $0.address.kind == .caddyFragment }.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        var texts: [String] = []
        for fragment in fragments {
            if let handover = handovers.first(where: { $0.gate.prim == fragment.prim }) {
                texts.append(CaddyFragmentRenderer.retarget(fragment.content, from: handover.newPort, to: handover.gate.port))
            } else if let change = changed[fragment.address] {
                if let before = change.before { texts.append(before) }  // a new route is not live yet
            } else {
                texts.append(fragment.content)
            }
        }
        // Routes about to be removed are live until the removals.
        texts += pending.filter { $0.address.kind == .caddyFragment && $0.action == .delete }.compactMap(\.before)
        return executors.routes.compose(fragments: texts)
    }

    /// Stops and removes candidates an interrupted apply left behind.
    func sweepCandidates(_ contents: [ResourceAddress: DesiredResource]) {
        let unitDirs = Set(contents.values.filter { $0.address.kind == .unit }.map { PathName.directory(of: $0.path) })
        let envDirs = Set(contents.values.filter { $0.address.kind == .envFile }.map { PathName.directory(of: $0.path) })
        var leftovers: [(unit: String, path: String)] = []
        for directory in unitDirs {
            for name in FileReader.names(in: directory, suffix: "-candidate.service") where name.hasPrefix("prim-") {
                leftovers.append((name, "\(directory)/\(name)"))
            }
        }
        for directory in envDirs {
            for name in FileReader.names(in: directory, suffix: ".candidate") where name.hasPrefix(".") {
                try? executors.env.remove("\(directory)/\(name)")
            }
        }
        guard !leftovers.isEmpty else { return }
        _ = executors.units.run(leftovers.map { UnitJob(unit: $0.unit, verb: .stop) }, timeout: jobTimeout)
        for leftover in leftovers { try? executors.units.remove(leftover.path) }
        try? executors.units.reload()
    }
}
