import PrimEngine
import PrimStatus

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One row of `primctl status`: a deployed prim, the version it serves, what is desired of it
/// that does not serve yet, and its health; from primd's status when primd runs, and from the
/// host's generations either way.
public struct PrimRow: Encodable, Equatable, Sendable {
    public var prim: String
    /// The unit's state (`active`, `inactive`, `failed`…), "-" when it has none.
    public var unit: String
    /// The generation (and its commit or directory) whose version of the prim runs.
    public var serving: String
    /// What is desired but not serving: "up to date", or why not.
    public var desired: String
    /// `up`, `DOWN`, `BLOCKED`, `stopped` or `unchecked`.
    public var health: String
    public var message: String

    /// The rows of every prim the host runs or was asked to run.
    public static func rows(
        units: [String: String], generations: [Generation], controller: ControllerStatus?, suspended: Bool
    ) -> [PrimRow] {
        var names = Set(units.keys)
        names.formUnion(controller?.prims.map(\.prim) ?? [])
        names.formUnion(controller?.blocked?.map(\.prim) ?? [])
        let latest = generations.last
        return names.sorted().map { prim in
            let unit = units[prim] ?? "-"
            let servingGeneration = generations.last { $0.deployed?.contains(prim) ?? false }
            let serving = servingGeneration.map(describe) ?? (unit == "-" ? "-" : "(before generations recorded it)")
            var desired = "up to date"
            let health = controller?.prims.first { $0.prim == prim }
            if let blocked = controller?.blocked?.first(where: { $0.prim == prim }) {
                desired = "blocked: \(blocked.message)"
            } else if let back = health?.rolledBackTo {
                desired =
                    "held at \(back.prefix(12)): commit \((controller?.liveRevision ?? "").prefix(12)) failed its gate"
            } else if let latest, latest.kept?.contains(prim) ?? false {
                desired = "\(describe(latest)) kept the running version: its new version failed its gate"
            } else if let controller, let fetched = controller.lastFetchedRevision, fetched != controller.liveRevision {
                if suspended {
                    desired = "commit \(fetched.prefix(12)) waits: primd is suspended"
                } else if let stalled = controller.condition(.stalled), stalled.status {
                    desired = "commit \(fetched.prefix(12)) not applied (\(stalled.reason)): \(stalled.message)"
                } else {
                    desired = "commit \(fetched.prefix(12)) not applied yet"
                }
            }
            if controller?.blocked?.contains(where: { $0.prim == prim }) ?? false, unit == "-" {
                return PrimRow(
                    prim: prim, unit: unit, serving: serving, desired: desired, health: "BLOCKED",
                    message: "not deployed yet")
            }
            if unit == "?" {
                return PrimRow(
                    prim: prim, unit: unit, serving: serving, desired: desired, health: "unknown",
                    message: "the systemd manager cannot be asked")
            }
            if unit.hasPrefix("activating (auto-restart)") {
                return PrimRow(
                    prim: prim, unit: unit, serving: serving, desired: desired, health: "DOWN",
                    message: "its process exited; the manager restarts it")
            }
            if unit != "active" && unit != "reloading" && !unit.hasPrefix("activating") {
                return PrimRow(
                    prim: prim, unit: unit, serving: serving, desired: desired, health: "stopped",
                    message: "its unit is \(unit)")
            }
            if let health {
                let since = health.passingSince.map { " since \($0.formatted(.iso8601))" } ?? ""
                return PrimRow(
                    prim: prim, unit: unit, serving: serving, desired: desired, health: health.up ? "up" : "DOWN",
                    message: health.up ? "passing\(since)" : health.message)
            }
            // Without primd: the last gate any apply ran on the version that serves.
            if let (number, gate) = lastGate(of: prim, in: generations) {
                return PrimRow(
                    prim: prim, unit: unit, serving: serving, desired: desired, health: gate.passed ? "up" : "DOWN",
                    message:
                        "\(gate.passed ? "passed" : "failed") its gate in generation \(number)\(gate.passed ? "" : ": \(gate.message)")"
                )
            }
            return PrimRow(
                prim: prim, unit: unit, serving: serving, desired: desired, health: "unchecked",
                message: "no gate has checked it")
        }
    }

    /// The last gate an apply ran on the version of `prim` that serves, with its generation's
    /// number: an apply that kept the prim's running version gated its new one, which never served.
    public static func lastGate(of prim: String, in generations: [Generation]) -> (number: Int, gate: GateResult)? {
        generations.reversed().lazy.filter { !($0.kept?.contains(prim) ?? false) }
            .compactMap { generation in generation.gates.first { $0.prim == prim }.map { (generation.number, $0) } }
            .first
    }

    static func describe(_ generation: Generation) -> String {
        let source = generation.revision.map { String($0.prefix(12)) } ?? generation.subject ?? "a directory"
        return "gen \(generation.number) · \(source)"
    }

    /// The rows as an aligned table.
    public static func table(_ rows: [PrimRow]) -> String {
        let header = ["PRIM", "UNIT", "SERVING", "DESIRED", "HEALTH"]
        let cells = rows.map { [$0.prim, $0.unit, $0.serving, $0.desired, "\($0.health) — \($0.message)"] }
        let widths = (0..<4).map { column in ([header] + cells).map { $0[column].count }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            (0..<4).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                + "  " + row[4] + "\n"
        }
        return line(header) + cells.map(line).joined()
    }
}
