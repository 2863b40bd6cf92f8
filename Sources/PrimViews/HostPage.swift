import PrimEngine
import PrimModel
import PrimStatus

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// primd's status page: what `primctl status` shows, as HTML rendered on the server (no script),
/// refreshing itself. Built from primd's status, the rows of `primctl status` and the host's
/// generations; `render()` writes it through the templates, which escape every value.
public struct HostPage {
    struct ConditionView {
        var type, status, reason, message, since, tone: String
    }
    struct RouteView {
        var mark, route, message: String
    }
    struct PrimView {
        var id, title: String
        var description: String?
        var health, tone, message, unit, serving, release, desired: String
        var rolledBackTo: String?
        var names: [String]
        var routes: [RouteView]
    }
    struct BlockedView {
        var prim, message: String
        var missing, fixes: [String]
    }
    struct GenerationView {
        var number: Int
        var outcome, tone, revision, finished, duration, changes, subject: String
        var errors: [String]
    }
    struct DriftView {
        var resource: String
        var count: Int
    }
    struct FleetView {
        var host, state, tone, revision, prims: String
        var notes: [String]
    }

    let title, subtitle, generatedAt: String
    let refreshSeconds: Int
    let suspended: String?
    let conditions: [ConditionView]
    let applied, attempted: String
    let lastAttemptError: String?
    let prims: [PrimView]
    let blocked: [BlockedView]
    let generations: [GenerationView]
    let drift: [DriftView]
    /// The other hosts of the fleet, as their primds report (empty for a single host).
    var fleet: [FleetView] = []

    /// The page of host `host`: `rows` as `primctl status` computes them, the last `shown` generations.
    public init(
        host: String, status: ControllerStatus?, rows: [PrimRow], generations records: [Generation], now: Date,
        refreshSeconds: Int = 10, shown: Int = 10
    ) {
        title = "prim · \(host)"
        subtitle = "primd"
        generatedAt = Self.time(now)
        self.refreshSeconds = refreshSeconds
        suspended = status?.suspended.map { "primd \($0.summary)" }
        conditions = (status?.conditions ?? []).map { condition in
            // Ready true is good; Stalled or Suspended true is bad; Reconciling is neither.
            let good = condition.type == .ready ? condition.status : !condition.status
            return ConditionView(
                type: condition.type.rawValue, status: condition.status ? "True" : "False",
                reason: condition.reason.rawValue, message: condition.message,
                since: Self.time(condition.lastTransition),
                tone: condition.type == .reconciling ? "none" : good ? "ok" : "bad")
        }
        applied = status?.lastAppliedRevision ?? "none"
        attempted = status?.lastAttemptedRevision ?? "none"
        lastAttemptError = status?.lastAttemptError
        prims = rows.map { row in
            let health = status?.prims.first { $0.prim == row.prim }
            return PrimView(
                id: row.prim, title: health?.name.map { "\($0) (\(row.prim))" } ?? row.prim,
                description: health?.description, health: row.health, tone: Self.tone(row.health),
                message: row.message, unit: row.unit, serving: row.serving,
                release: health?.release.map { String($0.prefix(12)) } ?? "-",
                desired: row.desired, rolledBackTo: health?.rolledBackTo.map { String($0.prefix(12)) },
                names: health?.endpoint.map { [$0] } ?? [],
                routes: (health?.routes ?? []).map {
                    RouteView(mark: $0.outcome.rawValue, route: $0.route, message: $0.message)
                })
        }
        blocked = (status?.blocked ?? []).map { blocked in
            BlockedView(
                prim: blocked.prim, message: blocked.message, missing: blocked.missingEnv,
                fixes: blocked.missingEnv.map { "primctl secret set \($0)" }
                    + (blocked.missingEnv.isEmpty ? [] : ["primctl reconcile --force"]))
        }
        generations = records.suffix(shown).reversed().map { g in
            GenerationView(
                number: g.number, outcome: g.outcome.rawValue,
                tone: g.outcome == .converged ? "ok" : g.outcome == .failed ? "bad" : "warn",
                revision: g.revision.map { String($0.prefix(12)) } ?? "(directory)", finished: Self.time(g.finished),
                duration: String(format: "%.1f s", g.finished.timeIntervalSince(g.started)),
                changes: "+\(g.added) ~\(g.changed) -\(g.destroyed)",
                subject: [g.subject, g.rollbackOf.map { "rollback to generation \($0)" }].compactMap { $0 }.joined(
                    separator: " — "), errors: g.errors)
        }
        drift = (status?.driftEvents ?? [:]).sorted { $0.key < $1.key }.map {
            DriftView(resource: $0.key, count: $0.value)
        }
    }

    /// The page with a "Fleet" section: every host of the state, as its primd reports.
    public func with(fleet hosts: [FleetHost]) -> HostPage {
        var page = self
        page.fleet = hosts.map { row in
            if let why = row.unreachable {
                return FleetView(
                    host: row.host, state: "unreachable", tone: "bad", revision: "", prims: "", notes: [why])
            }
            return FleetView(
                host: row.host, state: row.ready == true ? ConditionType.ready.rawValue : "Not ready",
                tone: row.ready == true ? "ok" : "bad",
                revision: String((row.liveRevision ?? "").prefix(12)), prims: row.primsLine,
                notes: [row.message ?? ""].filter { !$0.isEmpty } + (row.blocked ?? []))
        }
        return page
    }

    public func render() -> String {
        Templates.library.render(self, withTemplate: "host") ?? ""
    }

    static func tone(_ health: String) -> String {
        switch health {
        case "up": "ok"
        case "DOWN", "BLOCKED": "bad"
        case "stopped", "unknown": "warn"
        default: "none"
        }
    }

    static func time(_ date: Date) -> String { date.formatted(.iso8601) }
}
