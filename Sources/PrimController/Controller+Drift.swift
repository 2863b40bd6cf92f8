import PrimEngine
import PrimHost
import PrimModel
import PrimPlan
import PrimStatus
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Live state compared with the live revision: reported, and repaired when the host config says so.
extension Controller {
    /// Runs `work` on what the live revision asks of the host (rolled-back prims at their older
    /// revision), under the apply lock; skipped when that state is invalid or an apply holds the lock.
    func onLiveRevision(_ purpose: String, repo: GitRepository, _ work: (HostSession, HostDesire) throws -> Void) throws
    {
        guard let live = status.liveRevision else { return }
        let (snapshot, _) = try repo.snapshot(revision: live, subpath: settings.statePath)
        let state = StateLoader.load(snapshot)
        guard state.isValid else { return }
        guard
            let lock = try? FileLock.acquire(
                config.paths.lock, holder: "pid \(getpid()) (primd \(purpose))",
                timeout: 0, onWait: { _ in })
        else { return }
        defer { lock.release() }
        let (session, desire) = try self.desire(state.state, at: live, overrides: status.rolledBack, repo: repo)
        try work(session, desire)
    }

    func logEvent(_ event: ApplyEvent) {
        switch event {
        case .step(let step) where step.error != nil:
            log("\(step.address.key): \(step.action.rawValue) failed: \(step.error!)")
        case .step(let step):
            log("\(step.address.key): \(step.action.rawValue) done")
        case .gate(let result, let journal):
            log(
                "prim \(result.prim): gate \(result.passed ? "passed" : "failed"): \(result.message)\(journal.isEmpty ? "" : "\n  " + journal.joined(separator: "\n  "))"
            )
        case .resuming(let generation, let unfinished):
            log("resuming interrupted apply of generation \(generation) (\(unfinished) steps)")
        case .daemonReload:
            break
        }
    }

    /// The revision live on the host, with rolled-back prims at their older revision.
    func checkDriftNow() {
        guard !suspended() else { return }
        // An attempt left unresolved (primd died in it, or its apply was interrupted) is resumed
        // first: drift planned meanwhile would plan against what the host is leaving.
        guard !reattempt, AttemptRecord.load(dataDir: config.dataDir) == nil,
            ApplyJournal.interrupted(dataDir: config.dataDir) == nil
        else { return }
        guard let live = status.liveRevision, let repo = try? mirror() else { return }
        do {
            try onLiveRevision("drift check", repo: repo) { session, desire in
                // Suspended while the repository was fetched: the lock is held now, so this holds.
                guard !suspended() else { return }
                var session = session
                session.driftCheck = true
                let plan = try session.plan(desire.desired)
                // What blocks a prim is as current as the last plan of the live revision.
                let blocked = plan.blocked.map {
                    ControllerStatus.Blocked(prim: $0.prim, missingEnv: $0.missingEnv, message: $0.message)
                }
                if status.blocked ?? [] != blocked { status.blocked = blocked.isEmpty ? nil : blocked; publish() }
                // A certificate due for renewal is not drift: it is renewed whatever the drift mode,
                // with Caddy's load that follows it.
                let renewals = plan.pending.filter { $0.address.kind == .certificate }
                let drifted = plan.pending.filter { $0.address.kind != .certificate }
                guard !plan.pending.isEmpty else { return }
                for change in plan.pending {
                    let key = change.address.key
                    let isDrift = change.address.kind != .certificate
                    if isDrift {
                        metrics.driftDetected(key)
                        status.driftEvents[key, default: 0] += 1
                    }
                    log(
                        "\(isDrift ? "drift: " : "")\(key) will be \(change.verb ?? HumanPlanRenderer.verb(change.action)) (\(change.reason?.message ?? ""))"
                    )
                }
                var applied = plan
                if settings.driftMode != .repair {
                    // Warn mode leaves drift alone: Caddy is loaded for a renewal only when its routes
                    // have not drifted (a load would put the desired ones back); else the renewed
                    // certificate waits for the next apply.
                    let routesDrifted = drifted.contains { $0.address.kind == .caddyFragment }
                    applied.changes = plan.changes.filter {
                        $0.address.kind == .certificate
                            || (!renewals.isEmpty && !routesDrifted && $0.address.kind == .caddyConfig)
                    }
                }
                if applied.hasChanges {
                    let generation = try session.applier().apply(
                        applied, desired: desire.desired, gates: desire.gates,
                        revision: live, origin: origin, overrides: overrides, report: logEvent)
                    record(generation.gates)
                    log(
                        "\(drifted.isEmpty ? "certificates renewed" : "drift repaired"): \(generation.outcome.rawValue)"
                    )
                }
                publish()
            }
        } catch {
            log("drift check failed: \(error)")
        }
    }
}
