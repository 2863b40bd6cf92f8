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
extension Applier {
    struct Candidate {
        var change: Change
        var gate: HealthGate
        var unit: String
        var unitPath: String
        var envPath: String
    }

    /// Returns the prims whose candidate failed (their running version is kept), and whether
    /// candidate unit files were removed (the caller's next daemon-reload forgets them).
    func tryCandidates(_ updates: [Change], contents: [ResourceAddress: DesiredResource], gates: [String: HealthGate],
                       run: inout Run, report: (ApplyEvent) -> Void) throws -> (kept: Set<String>, removedUnits: Bool) {
        sweepCandidates(contents)
        var candidates: [Candidate] = []
        for change in updates where change.address.kind == .unit && change.action == .restart {
            guard let prim = change.prim, var gate = gates[change.address.name], gate.enforce,
                  let unit = contents[change.address], let env = contents[ResourceNames.envFile(prim)] else { continue }
            let port = try FreePort.pick()
            let name = "prim-\(prim)-candidate.service"
            gate.port = port
            gate.unit = name
            let candidate = Candidate(change: change, gate: gate, unit: name,
                                      unitPath: "\(PathName.directory(of: change.path))/\(name)",
                                      envPath: "\(PathName.directory(of: env.path))/.\(prim).candidate")
            let envText = env.content.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasPrefix("PORT=") ? "PORT=\(port)" : String($0) }.joined(separator: "\n")
            try executors.env.write(candidate.envPath, content: envText)
            try executors.units.write(candidate.unitPath, content: unit.content.replacing(
                "EnvironmentFile=\(env.path)", with: "EnvironmentFile=\(candidate.envPath)"))
            candidates.append(candidate)
        }
        guard !candidates.isEmpty else { return ([], false) }
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
        _ = executors.units.run(candidates.map { UnitJob(unit: $0.unit, verb: .stop) }, timeout: jobTimeout)

        for (candidate, why, journal) in failures {
            let result = GateResult(prim: candidate.gate.prim, passed: false, enforced: true,
                                    message: "the new version failed its gate side by side on port \(candidate.gate.port) (\(why)); the running version keeps serving",
                                    seconds: Date().timeIntervalSince(clock))
            run.gates.append(result)
            run.degraded = true
            run.errors.append("\(candidate.change.address.name): \(result.message)")
            report(.gate(result, journal: journal))
        }
        return (Set(failures.map(\.candidate.gate.prim)), true)
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
