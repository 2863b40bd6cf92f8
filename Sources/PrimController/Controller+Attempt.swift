import PrimEngine
import PrimHost
import PrimModel
import PrimPlan
import PrimSigning
import PrimStatus
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// An attempt at the branch head: fetch, the commit's guards (signature, history), load, plan,
/// apply under the lock, record, and roll failing `live` prims back.
extension Controller {
    func reconcileNow(force: Bool, allowRewrite: Bool = false) {
        let started = Date()
        var outcome = ReconcileOutcome.error
        do {
            let repo: GitRepository
            do {
                repo = try mirror()
            } catch let missing as BranchMissing {
                let running = status.liveRevision.map { "; the host keeps running revision \(Self.short($0))" } ?? ""
                if status.condition(.stalled)?.reason != .branchMissing { log("\(missing)\(running)") }
                status.set(.ready, false, reason: .branchMissing, message: "\(missing)\(running)")
                status.stall(
                    .branchMissing, "\(missing)\(running); push the branch again or point controller.branch at another")
                publish()
                return
            } catch let error as SystemError where error.errorClass == .transient {
                // The git server is down or refuses us: the next poll or webhook fetches again.
                status.set(
                    .reconciling, true, reason: .fetchFailed,
                    message:
                        "\(error); fetching again at the next poll (every \(Int(settings.pollSeconds)) s) or webhook")
                publish()
                log("fetch failed: \(error)")
                return
            }
            let head = try repo.resolve("refs/heads/\(settings.branch)")
            status.fetches = (status.fetches ?? 0) + 1
            status.lastFetchedRevision = head
            defer { publish() }
            // The operator suspended primd: it fetches and reports, and applies nothing.
            if suspended() {
                outcome = .suspended
                metrics.observeReconcile(seconds: Date().timeIntervalSince(started), outcome: outcome)
                return
            }
            // A retry is due, or an apply of this commit was interrupted (primd was killed): finish it.
            // A commit applied with prims blocked (a key not set yet, the DNS provider down) is
            // attempted again at every fetch (poll, webhook, `primctl reconcile`): what blocked it
            // may be gone, and its status is current only after it is planned again.
            let blocked =
                head == status.lastAttemptedRevision && status.blocked != nil
                && status.condition(.stalled)?.status != true
            // The branch is back after it was missing: its head is planned again, so Ready says so.
            let returned = status.condition(.ready)?.reason == .branchMissing
            let due =
                (retryAt.map { Date() >= $0 } ?? false) || ApplyJournal.interrupted(dataDir: config.dataDir) != nil
                || reattempt || blocked || returned
            reattempt = false
            guard force || allowRewrite || head != status.lastAttemptedRevision || due else { return }
            guard force || allowRewrite || head != status.poisonedRevision else { return }
            if let refusal = try rewriteRefusal(head, repo, allowed: allowRewrite) {
                // Recorded as attempted, so the next poll does not say it again.
                status.lastAttemptedRevision = head
                status.lastAttemptError = refusal
                status.stall(.historyRewritten, refusal)
                log(refusal)
                outcome = .rewritten
                metrics.observeReconcile(seconds: Date().timeIntervalSince(started), outcome: outcome)
                return
            }
            if head != status.lastAttemptedRevision { backoff = 0; resumedDeaths = 0 }
            status.poisonedRevision = nil
            try AttemptRecord(revision: head, phase: .loading, started: started, deaths: resumedDeaths).save(
                dataDir: config.dataDir)
            defer { AttemptRecord.clear(dataDir: config.dataDir); resumedDeaths = 0 }
            retryAt = nil
            let previousAttempt = status.lastAttemptedRevision
            status.lastAttemptedRevision = head
            status.set(.reconciling, true, reason: .progressing, message: "applying \(Self.short(head))")
            publish()
            do {
                outcome = try attempt(head, repo)
            } catch is SuspendedMeanwhile {
                // Suspended while this attempt waited for the apply lock: nothing was applied, and
                // the commit is attempted after `primctl resume`.
                status.lastAttemptedRevision = previousAttempt
                status.set(.reconciling, false, reason: .suspended, message: "")
                outcome = .suspended
            }
            backoff = 0
        } catch let error as SystemError where error.errorClass == .transient {
            backoff = min(max(backoff * 2, 1), 300)
            retryAt = Date().addingTimeInterval(backoff)
            status.set(
                .reconciling, true, reason: .retryingAfterError, message: "\(error); retrying in \(Int(backoff)) s")
            log("transient error, retrying in \(Int(backoff)) s: \(error)")
        } catch {
            outcome = .failed
            status.lastAttemptError = "\(error)"
            status.stall(.reconcileFailed, "\(error)", reconciling: "\(error)")
            log("reconcile failed: \(error)")
        }
        metrics.observeReconcile(seconds: Date().timeIntervalSince(started), outcome: outcome)
        publish()
    }

    /// One attempt at a commit. Returns the outcome for metrics.
    func attempt(_ head: String, _ repo: GitRepository) throws -> ReconcileOutcome {
        if let problem = try signatureProblem(head, repo) {
            status.lastAttemptError = problem
            status.stall(.invalidCommitSignature, "revision \(Self.short(head)): \(problem); nothing was applied")
            log("revision \(Self.short(head)) not applied: \(problem)")
            return .unsigned
        }
        let (snapshot, _) = try repo.snapshot(revision: head, subpath: settings.statePath)
        let result = StateLoader.load(snapshot)
        // The host config's certificates against this revision's zones: a mismatch (an agent's
        // commit took a zone away) fails that certificate's next order, not the revision.
        for problem in TLSRules.check(config, result.state) {
            log("host config: \(problem.formatted())")
        }
        guard result.isValid else {
            let label =
                settings.statePath.isEmpty ? "\(Self.short(head)):" : "\(Self.short(head)):\(settings.statePath)"
            let message = result.errors.prefix(5).map { $0.formatted(root: label) }.joined(separator: "\n")
            status.lastAttemptError = message
            status.set(.stalled, true, reason: .invalidState, message: message)
            status.set(
                .reconciling, false, reason: .invalidState,
                message: "revision \(Self.short(head)) is invalid; nothing was changed")
            log("revision \(Self.short(head)) is invalid; nothing changed:\n\(message)")
            return .invalid
        }
        let lock = try FileLock.acquire(
            config.paths.lock, holder: "pid \(getpid()) (primd, revision \(Self.short(head)))",
            timeout: nil
        ) { holder in self.log("waiting for the apply lock, held by \(holder)") }
        defer { lock.release() }
        // An operator may have suspended primd while it waited for the lock (`primctl suspend` takes it too).
        if suspended() { throw SuspendedMeanwhile() }
        let source = GitSourceTree(repository: repo, commit: head, subpath: settings.statePath)
        let session = try HostSession(config: config, sources: [source])
        var hostPlan = try session.plan(result.state)
        let blocked = hostPlan.plan.blocked.map {
            ControllerStatus.Blocked(prim: $0.prim, missingEnv: $0.missingEnv, message: $0.message)
        }
        status.blocked = blocked.isEmpty ? nil : blocked
        try AttemptRecord(revision: head, phase: .applying, started: Date(), deaths: resumedDeaths).save(
            dataDir: config.dataDir)
        let interrupted = ApplyJournal.interrupted(dataDir: config.dataDir)
        if let interrupted {
            hostPlan.plan = Resume.adjust(hostPlan.plan, unfinished: interrupted.unfinished, kinds: Kinds.planners)
        }
        let generation = try session.applier().apply(
            hostPlan.plan, desired: hostPlan.desired, gates: hostPlan.gates,
            revision: head, origin: origin, provenance: .init(subject: try? repo.subject(head)),
            resuming: interrupted != nil, overrides: overrides, report: logEvent)
        // The host holds this commit now: said on disk before anything else, so that a death from
        // here on neither poisons it nor leaves drift repair planning against an older revision.
        status.rolledBack = [:]
        // A prim held back before runs this commit's version now (even one this apply did not
        // restart, because the fix was the version it already ran); a prim no longer deployed here
        // has no health to report.
        let deployed = Set(result.state.deployedPrims(on: hostPlan.host).map(\.id))
        status.prims.removeAll { !deployed.contains($0.prim) }
        for index in status.prims.indices { status.prims[index].rolledBackTo = nil }
        status.liveRevision = head
        if generation.outcome == .converged { status.lastAppliedRevision = head }
        try AttemptRecord(
            revision: head, phase: .applied, started: Date(), deaths: resumedDeaths, outcome: generation.outcome
        ).save(dataDir: config.dataDir)
        publish()
        record(generation.gates)
        recheck(hostPlan.gates, besides: generation.gates, session: session, renderings: hostPlan.desired.renderings)
        status.prims.removeAll { health in !hostPlan.gates.values.contains { $0.prim == health.prim } }
        recordSources(hostPlan.desired.renderings, host: hostPlan.host)
        let failedLive = generation.gates.filter { !$0.passed && $0.enforced }.map(\.prim)
        if generation.outcome == .converged {
            status.lastAppliedRevision = head
            status.lastAttemptError = nil
            status.lastSuccess = Date()
            status.set(.ready, true, reason: .reconciliationSucceeded, message: "applied revision \(Self.short(head))")
            status.set(.stalled, false, reason: .reconciliationSucceeded, message: "")
            status.set(.reconciling, false, reason: .reconciliationSucceeded, message: "")
            log(
                "revision \(Self.short(head)) applied: \(generation.added) added, \(generation.changed) changed, \(generation.destroyed) destroyed"
            )
            for warning in generation.warnings ?? [] { log("revision \(Self.short(head)): \(warning)") }
            return .converged
        }
        var message = generation.errors.prefix(5).joined(separator: "; ")
        if generation.errors.count > 5 {
            message += "; and \(generation.errors.count - 5) more (see `primctl history`)"
        }
        if let good = status.lastAppliedRevision, !failedLive.isEmpty {
            try rollback(Set(failedLive), to: good, head: head, headState: result.state, repo: repo)
            message += "; rolled \(failedLive.sorted().joined(separator: ", ")) back to \(Self.short(good))"
        }
        status.lastAttemptError = message
        status.set(.ready, false, reason: .healthCheckFailed, message: message)
        status.stall(
            .healthCheckFailed,
            "revision \(Self.short(head)) is not retried until a new commit or `primctl reconcile --force`")
        log("revision \(Self.short(head)) failed: \(message)")
        return .degraded
    }

    /// Why a branch head must not be applied because it does not descend from the revision the host
    /// runs (a force-push, unrelated history, or an older commit — signed or not: a replayed old
    /// commit is a downgrade); nil when it may. The operator lifts it once (`primctl reconcile
    /// --allow-rewrite`) or for good (`controller.allow_rewrites`).
    func rewriteRefusal(_ head: String, _ repo: GitRepository, allowed: Bool) throws -> String? {
        guard !allowed, !settings.allowRewrites, let running = status.liveRevision ?? status.lastAppliedRevision,
            head != running
        else { return nil }
        guard !(try repo.isAncestor(running, of: head)) else { return nil }
        let older = (try? repo.isAncestor(head, of: running)) ?? false
        let what =
            older
            ? "an older commit (\(Self.short(head)) is an ancestor of it)"
            : "history that does not contain it (a force-push or unrelated history)"
        return
            "branch '\(settings.branch)' moved from \(Self.short(running)), which the host runs, to \(Self.short(head)): \(what); nothing was applied. If that is meant, run `primctl reconcile --allow-rewrite` to apply it once (or set controller.allow_rewrites: true)"
    }

    /// Why a commit must not be applied when signatures are required; nil when it may.
    func signatureProblem(_ revision: String, _ repo: GitRepository) throws -> String? {
        guard let file = settings.allowedSigners else { return nil }
        guard let bytes = try FileReader.bytes(file) else { return "the allowed signers file \(file) does not exist" }
        let allowed = SSHSignature.allowedSigners(String(decoding: bytes, as: UTF8.self))
        guard let (signature, data) = try repo.signature(of: revision) else { return "the commit is not signed" }
        switch SSHSignature.verify(armored: signature, data: data, allowed: allowed) {
        case .valid: return nil
        case .invalid(let reason): return reason
        }
    }
}
