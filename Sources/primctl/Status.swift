import ArgumentParser
import Foundation
import PrimController
import PrimEngine
import PrimModel
import PrimPlan
import PrimStatus
import PrimSystem
import PrimViews

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Show every deployed prim (the version serving, what is desired of it, its health) and what primd reports.")

    @OptionGroup var options: HostOptions

    func run() throws {
        let (output, config) = try options.hostConfig()
        let status = ControllerStatus.load(config.paths.status)
        let generations = GenerationStore(dataDir: config.dataDir).all()
        let last = generations.last
        let suspension = Suspension.load(dataDir: config.dataDir)
        let observed: (units: [String: String], unreachable: String?)
        do {
            observed = try HostUnits.observe(config)
        } catch {
            throw output.fail("inventory-unreadable", "\(error)")
        }
        let rows = PrimRow.rows(
            units: observed.units, generations: generations, controller: status, suspended: suspension != nil)
        switch options.format {
        case .json:
            struct Document: Encodable {
                var prims: [PrimRow]
                var controller: ControllerStatus?
                var lastGeneration: Generation?
                var suspended: Suspension?
                var managerUnreachable: String?
            }
            output.print(
                JSONOutput.encode(
                    Document(
                        prims: rows, controller: status, lastGeneration: last, suspended: suspension,
                        managerUnreachable: observed.unreachable), snakeCase: true))
        case .human:
            if let suspension { output.print("Suspended: primd \(suspension.summary).\n") }
            if let why = observed.unreachable {
                output.print("Warning: the systemd manager cannot be asked (\(why)); units show '?'.\n")
            }
            if let status {
                output.print("Applied revision:   \(status.lastAppliedRevision ?? "none")\n")
                output.print("Attempted revision: \(status.lastAttemptedRevision ?? "none")\n")
                if let error = status.lastAttemptError { output.print("Last attempt:       \(error)\n") }
                for condition in status.conditions {
                    output.print(
                        "\(condition.type.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(condition.status ? "True " : "False") \(condition.reason)\(condition.message.isEmpty ? "" : ": \(condition.message)")\n"
                    )
                }
            } else {
                output.print("primd has not run on this host (no \(config.paths.status)).\n")
                if let last {
                    output.print(
                        "Last apply: generation \(last.number), \(last.outcome.rawValue), \(ISO8601DateFormatter().string(from: last.finished)).\n"
                    )
                }
            }
            output.print("\n")
            output.print(rows.isEmpty ? "No prim is deployed on this host.\n" : PrimRow.table(rows))
            // Each prim's declared routes as its last check found them; what failed first.
            let health = status?.prims ?? []
            for row in rows {
                let routes =
                    health.first { $0.prim == row.prim }?.routes
                    ?? PrimRow.lastGate(of: row.prim, in: generations)?.gate.routes
                if row.health == "DOWN" {
                    output.print("\nprim \(row.prim): DOWN — \(row.message)\n")
                } else if !(routes ?? []).isEmpty {
                    output.print("\nprim \(row.prim) routes:\n")
                }
                Self.routes(routes, output)
            }
        }
    }
}

extension Status {
    /// One line per declared route: how it answered at the last check.
    static func routes(_ results: [RouteResult]?, _ output: Output) {
        for result in results ?? [] {
            let mark =
                switch result.outcome {
                case .passed: "ok  ";
                case .failed: "FAIL";
                case .skipped: "skip"
                }
            output.print("  \(mark) \(result.route): \(result.message)\n")
        }
    }
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the applies recorded on this host (generations).")

    @OptionGroup var options: HostOptions

    func run() throws {
        let (output, config) = try options.hostConfig()
        let generations = GenerationStore(dataDir: config.dataDir).all()
        switch options.format {
        case .json:
            struct Document: Encodable { var generations: [Generation] }
            output.print(JSONOutput.encode(Document(generations: generations)))
        case .human:
            if generations.isEmpty { output.print("No applies recorded yet.\n") }
            let formatter = ISO8601DateFormatter()
            for g in generations {
                let revision =
                    g.revision.map { String($0.prefix(12)) }
                    ?? (g.archive.map { "dir:\($0.prefix(8))" } ?? "(directory)")
                let what = [g.subject, g.rollbackOf.map { "ROLLBACK to generation \($0)" }].compactMap { $0 }.joined(
                    separator: " — ")
                output.print(
                    "\(String(g.number).padding(toLength: 5, withPad: " ", startingAt: 0)) \(formatter.string(from: g.finished))  \(g.outcome.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(revision.padding(toLength: 12, withPad: " ", startingAt: 0))  +\(g.added) ~\(g.changed) -\(g.destroyed)\(what.isEmpty ? "" : "  \(what)")\(g.errors.isEmpty ? "" : "  \(g.errors.joined(separator: "; "))")\n"
                )
            }
        }
    }
}
