import ArgumentParser
import Foundation
import PrimController
import PrimEngine
import PrimModel
import PrimPlan

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what primd reports: applied and attempted revisions, conditions, prim health.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let output = Output(format: options.format)
        let config = try HostConfigLoader.load(options, output)
        let status = ControllerStatus.load("\(config.dataDir)/status.json")
        let last = GenerationStore(dataDir: config.dataDir).all().last
        switch options.format {
        case .json:
            struct Document: Encodable { var controller: ControllerStatus?; var lastGeneration: Generation? }
            output.print(JSONOutput.encode(Document(controller: status, lastGeneration: last), snakeCase: true))
        case .human:
            guard let status else {
                output.print("primd has not run on this host (no \(config.dataDir)/status.json).\n")
                if let last {
                    output.print("Last apply: generation \(last.number), \(last.outcome.rawValue), \(ISO8601DateFormatter().string(from: last.finished)).\n")
                    for gate in last.gates {
                        output.print("prim \(gate.prim): \(gate.passed ? "up" : "DOWN") — \(gate.message)\n")
                        Self.routes(gate.routes, output)
                    }
                }
                return
            }
            output.print("Applied revision:   \(status.lastAppliedRevision ?? "none")\n")
            output.print("Attempted revision: \(status.lastAttemptedRevision ?? "none")\n")
            if let error = status.lastAttemptError { output.print("Last attempt:       \(error)\n") }
            for condition in status.conditions {
                output.print("\(condition.type.padding(toLength: 12, withPad: " ", startingAt: 0)) \(condition.status ? "True " : "False") \(condition.reason)\(condition.message.isEmpty ? "" : ": \(condition.message)")\n")
            }
            let formatter = ISO8601DateFormatter()
            for prim in status.prims {
                var notes: [String] = []
                if let enforced = prim.enforced { notes.append(enforced ? "live: gate enforced" : "testing: gate reported") }
                if let since = prim.passingSince { notes.append("passing since \(formatter.string(from: since))") }
                if let release = prim.release { notes.append("code \(release.prefix(12))") }
                if let back = prim.rolledBackTo { notes.append("rolled back to \(back.prefix(12))") }
                output.print("prim \(prim.prim): \(prim.up ? "up" : "DOWN") — \(prim.message)\(notes.isEmpty ? "" : " (\(notes.joined(separator: ", ")))")\n")
                Self.routes(prim.routes, output)
            }
            for blocked in status.blocked ?? [] {
                output.print("prim \(blocked.prim): BLOCKED — \(blocked.message)\n")
            }
        }
    }
}

extension Status {
    /// One line per declared route: how it answered at the last check.
    static func routes(_ results: [RouteResult]?, _ output: Output) {
        for result in results ?? [] {
            let mark = switch result.outcome { case .passed: "ok  "; case .failed: "FAIL"; case .skipped: "skip" }
            output.print("  \(mark) \(result.route): \(result.message)\n")
        }
    }
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the applies recorded on this host (generations).")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let output = Output(format: options.format)
        let config = try HostConfigLoader.load(options, output)
        let generations = GenerationStore(dataDir: config.dataDir).all()
        switch options.format {
        case .json:
            output.print(JSONOutput.encode(generations))
        case .human:
            if generations.isEmpty { output.print("No applies recorded yet.\n") }
            let formatter = ISO8601DateFormatter()
            for g in generations {
                let revision = g.revision.map { String($0.prefix(12)) } ?? (g.archive.map { "dir:\($0.prefix(8))" } ?? "(directory)")
                let what = [g.subject, g.rollbackOf.map { "ROLLBACK to generation \($0)" }].compactMap { $0 }.joined(separator: " — ")
                output.print("\(String(g.number).padding(toLength: 5, withPad: " ", startingAt: 0)) \(formatter.string(from: g.finished))  \(g.outcome.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(revision.padding(toLength: 12, withPad: " ", startingAt: 0))  +\(g.added) ~\(g.changed) -\(g.destroyed)\(what.isEmpty ? "" : "  \(what)")\(g.errors.isEmpty ? "" : "  \(g.errors.joined(separator: "; "))")\n")
            }
        }
    }
}
