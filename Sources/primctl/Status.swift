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

    @Flag(help: "Every host of the state instead, as its primd reports itself at hosts/<name>.yaml's control: URL.")
    var fleet = false

    @Option(
        name: .customLong("fleet-state"),
        help: "With --fleet: the state directory to read the hosts from (default: the revision this host's primd runs)."
    )
    var fleetState: String?

    func run() throws {
        let (output, config) = try options.hostConfig()
        if fleet {
            output.show(FleetView.ask(try fleetHosts(config, output)))
            return
        }
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
        output.show(
            StatusView(
                prims: rows, controller: status, lastGeneration: last, suspended: suspension,
                managerUnreachable: observed.unreachable, statusFile: config.paths.status,
                generations: generations))
    }
}

extension Status {
    /// The state's hosts: from `--fleet-state`, else from the revision this host's primd runs (its mirror).
    func fleetHosts(_ config: HostConfig, _ output: Output) throws -> [PrimModel.Host] {
        let hosts: [PrimModel.Host]
        do {
            if let fleetState {
                hosts = StateLoader.load(try DirectoryReader.read(fleetState)).state.hosts
            } else {
                guard let live = ControllerStatus.load(config.paths.status)?.liveRevision else {
                    throw SystemError(
                        "this host's primd has applied no revision yet; name the state with --fleet-state DIR")
                }
                hosts = try Controller.hosts(at: live, config: config)
            }
        } catch {
            throw output.fail("state-unreadable", "\(error)")
        }
        guard !hosts.isEmpty else { throw output.fail("no-hosts", "the state declares no hosts/*.yaml") }
        return hosts
    }
}

/// `primctl status`: what primd says, then a table of the prims and each one's routes; or the
/// same as one JSON document.
struct StatusView: CommandView {
    var prims: [PrimRow]
    var controller: ControllerStatus?
    var lastGeneration: Generation?
    var suspended: Suspension?
    var managerUnreachable: String?
    /// For the human form only: where primd's status would be, and the routes of earlier gates.
    let statusFile: String
    let generations: [Generation]

    enum CodingKeys: String, CodingKey {
        case prims, controller, lastGeneration, suspended, managerUnreachable
    }

    func human(_ palette: Palette) -> String {
        var text = ""
        if let suspended { text += "Suspended: primd \(suspended.summary).\n" }
        if let why = managerUnreachable {
            text += "Warning: the systemd manager cannot be asked (\(why)); units show '?'.\n"
        }
        if let status = controller {
            text += "Applied revision:   \(status.lastAppliedRevision ?? "none")\n"
            text += "Attempted revision: \(status.lastAttemptedRevision ?? "none")\n"
            if let error = status.lastAttemptError { text += "Last attempt:       \(error)\n" }
            for condition in status.conditions {
                text +=
                    "\(condition.type.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(condition.status ? "True " : "False") \(condition.reason)\(condition.message.isEmpty ? "" : ": \(condition.message)")\n"
            }
        } else {
            text += "primd has not run on this host (no \(statusFile)).\n"
            if let last = lastGeneration {
                text +=
                    "Last apply: generation \(last.number), \(last.outcome.rawValue), \(ISO8601DateFormatter().string(from: last.finished)).\n"
            }
        }
        text += "\n"
        text += prims.isEmpty ? "No prim is deployed on this host.\n" : PrimRow.table(prims)
        // Each prim's declared routes as its last check found them; what failed first.
        let health = controller?.prims ?? []
        for row in prims {
            let routes =
                health.first { $0.prim == row.prim }?.routes
                ?? PrimRow.lastGate(of: row.prim, in: generations)?.gate.routes
            if row.health == "DOWN" {
                text += "\nprim \(row.prim): DOWN — \(row.message)\n"
            } else if !(routes ?? []).isEmpty {
                text += "\nprim \(row.prim) routes:\n"
            }
            text += Status.routes(routes)
        }
        return text
    }
}

extension Status {
    /// One line per declared route: how it answered at the last check.
    static func routes(_ results: [RouteResult]?) -> String {
        var text = ""
        for result in results ?? [] {
            let mark =
                switch result.outcome {
                case .passed: "ok  ";
                case .failed: "FAIL";
                case .skipped: "skip"
                }
            text += "  \(mark) \(result.route): \(result.message)\n"
        }
        return text
    }
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the applies recorded on this host (generations).")

    @OptionGroup var options: HostOptions

    func run() throws {
        let (output, config) = try options.hostConfig()
        output.show(HistoryView(generations: GenerationStore(dataDir: config.dataDir).all()))
    }
}

/// `primctl history`: a line per generation, or `{"generations": […]}`.
struct HistoryView: CommandView {
    var generations: [Generation]

    func human(_ palette: Palette) -> String {
        if generations.isEmpty { return "No applies recorded yet.\n" }
        let formatter = ISO8601DateFormatter()
        return generations.map { g in
            let revision =
                g.revision.map { String($0.prefix(12)) }
                ?? (g.archive.map { "dir:\($0.prefix(8))" } ?? "(directory)")
            let what = [g.subject, g.rollbackOf.map { "ROLLBACK to generation \($0)" }].compactMap { $0 }.joined(
                separator: " — ")
            return
                "\(String(g.number).padding(toLength: 5, withPad: " ", startingAt: 0)) \(formatter.string(from: g.finished))  \(g.outcome.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(revision.padding(toLength: 12, withPad: " ", startingAt: 0))  +\(g.added) ~\(g.changed) -\(g.destroyed)\(what.isEmpty ? "" : "  \(what)")\(g.errors.isEmpty ? "" : "  \(g.errors.joined(separator: "; "))")\n"
        }.joined()
    }
}
