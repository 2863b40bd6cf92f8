#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif
import Dispatch
import PrimEngine
import PrimHost
import PrimModel
import PrimPlan
import PrimSigning
import PrimSystem
import SystemdReconciler

/// primd's reconcile loop body: fetch the branch, and for each new head commit
/// load → validate → observe → plan → apply → gates → record; roll failing `live` prims
/// back to the last good revision; repair or report drift. All work runs on one serial queue.
public final class Controller: @unchecked Sendable {
    public let config: HostConfig
    public let settings: ControllerSettings
    public let metrics = Metrics()
    let queue = DispatchQueue(label: "primd.reconcile")
    let log: @Sendable (String) -> Void

    // Touched only on `queue`.
    var status: ControllerStatus
    var repository: GitRepository?
    var backoff = 0.0
    var retryAt: Date?

    // The last published status, for HTTP handlers on other threads.
    let publishedLock = ThreadLock()
    var published: ControllerStatus

    public init(config: HostConfig, log: @escaping @Sendable (String) -> Void) {
        self.config = config
        settings = config.controller
        self.log = log
        status = ControllerStatus.load("\(config.dataDir)/status.json") ?? ControllerStatus()
        if let left = AttemptRecord.load(dataDir: config.dataDir) {
            if let poison = left.poison(live: status.liveRevision) {
                // A poison commit: recorded, and never attempted again without --force.
                status.poisonedRevision = left.revision
                status.lastAttemptedRevision = left.revision
                status.lastAttemptError = poison
                status.set(.stalled, true, reason: .attemptCrashed,
                           message: "\(poison); it is not attempted again: push a new commit, or run `primctl reconcile --force` to try it once more")
                status.set(.reconciling, false, reason: .attemptCrashed, message: "")
                AttemptRecord.clear(dataDir: config.dataDir)
                log("revision \(Self.short(left.revision)) is not attempted again: \(poison)")
            } else if left.phase == .applied {
                // The host holds this commit: status.json said so before the death. A degraded one
                // is attempted once more, so a rollback the death cut short runs again.
                reattempt = left.outcome == .degraded && left.deaths < AttemptRecord.applyDeathsAllowed
                resumedDeaths = left.deaths + 1
                log("primd stopped after applying revision \(Self.short(left.revision)); it stays applied\(reattempt ? " and is attempted once more" : "")")
            } else {
                // Died before the apply's end (or while re-planning what the host runs): attempted
                // again at once, whether or not the journal says a step was left half-done.
                reattempt = true
                resumedDeaths = left.deaths + 1
            }
        }
        published = status
    }

    /// The commit a previous primd died on without poisoning it (before its apply ended, while
    /// re-planning it, or after applying it degraded): attempted again at the first fetch.
    var reattempt = false

    /// Deaths while applying the revision the leftover attempt record names (carried into the next record).
    var resumedDeaths = 0

    public var currentStatus: ControllerStatus {
        publishedLock.lock(); defer { publishedLock.unlock() }
        return published
    }

    /// When a transient failure should be retried, if one is pending.
    public var retryDelay: Double? {
        queue.sync { retryAt.map { max(0, $0.timeIntervalSinceNow) } }
    }

    func publish() {
        status.updated = Date()
        try? AtomicFile.write(Array(status.json().utf8), to: "\(config.dataDir)/status.json", mode: 0o644)
        publishedLock.lock(); published = status; publishedLock.unlock()
    }

    func onQueue(_ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            queue.async { work(); done.resume() }
        }
    }

    /// Reconciles the branch head if it was not attempted yet (or `force`, or a retry is due).
    /// `allowRewrite` applies, once, a head that does not descend from the revision the host runs.
    public func reconcile(force: Bool = false, allowRewrite: Bool = false) async {
        await onQueue { self.reconcileNow(force: force, allowRewrite: allowRewrite) }
    }

    /// Asks the running prims their gates and conformance again.
    public func checkConformance() async {
        await onQueue { self.checkConformanceNow() }
    }

    /// Compares live state with the applied revision; repairs it or reports it.
    public func checkDrift() async {
        await onQueue { self.checkDriftNow() }
    }

    static func short(_ revision: String) -> String { String(revision.prefix(12)) }

    var origin: Generation.Origin? { settings.repo.map { Generation.Origin(repository: $0, statePath: settings.statePath) } }

    func mirror() throws -> GitRepository {
        guard let url = settings.repo else { throw SystemError("controller.repo is not set in the host config") }
        var token: String?
        if let file = settings.tokenFile {
            guard let text = try FileReader.secret(file) else { throw SystemError("controller.token_file '\(file)' does not exist") }
            token = text
        }
        if let file = settings.caFile {
            guard FileManager.default.fileExists(atPath: file) else { throw SystemError("controller.ca_file '\(file)' does not exist") }
            try GitRepository.trustCertificateAuthorities(inFile: file)
        }
        let repository = try self.repository ?? GitRepository.openOrCreateBare("\(config.dataDir)/cache/primd")
        self.repository = repository
        // The watched branch only: other branches and tags are nothing primd applies.
        let branch = "refs/heads/\(settings.branch)"
        // A repository on this machine (pr.sh's local forge) is followed in place; others are fetched.
        let advertised = try GitRepository.localPath(url).map { try repository.follow(local: $0, branch: settings.branch) }
            ?? repository.fetch(url, token: token, specs: ["+\(branch):\(branch)"])
        guard advertised.contains(branch) else { throw BranchMissing(branch: settings.branch) }
        return repository
    }

    /// The operator suspended primd while an attempt waited for the apply lock.
    struct SuspendedMeanwhile: Error {}

    /// The repository no longer has the watched branch (deleted or renamed): nothing new is applied.
    struct BranchMissing: Error, CustomStringConvertible {
        var branch: String
        var description: String { "the repository has no branch '\(branch)' (deleted or renamed?)" }
    }

    /// Whether the operator suspended primd (`primctl suspend`); keeps the status's `Suspended`
    /// condition and `suspended` field current either way.
    func suspended() -> Bool {
        let suspension = Suspension.load(dataDir: config.dataDir)
        if status.suspended != suspension {
            status.suspended = suspension
            if let suspension {
                status.set(.suspended, true, reason: .suspendedByOperator, message: suspension.summary)
                log("suspended by the operator: nothing is applied or repaired until `primctl resume`")
            } else {
                status.set(.suspended, false, reason: .resumed, message: "")
                log("resumed: applying and repairing again")
            }
            publish()
        }
        return suspension != nil
    }

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
                status.set(.stalled, true, reason: .branchMissing, message: "\(missing)\(running); push the branch again or point controller.branch at another")
                status.set(.reconciling, false, reason: .branchMissing, message: "")
                publish()
                return
            } catch let error as SystemError where error.errorClass == .transient {
                // The git server is down or refuses us: the next poll or webhook fetches again.
                status.set(.reconciling, true, reason: .fetchFailed,
                           message: "\(error); fetching again at the next poll (every \(Int(settings.pollSeconds)) s) or webhook")
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
            let blocked = head == status.lastAttemptedRevision && status.blocked != nil && status.condition(.stalled)?.status != true
            // The branch is back after it was missing: its head is planned again, so Ready says so.
            let returned = status.condition(.ready)?.reason == .branchMissing
            let due = (retryAt.map { Date() >= $0 } ?? false) || ApplyJournal.interrupted(dataDir: config.dataDir) != nil || reattempt || blocked || returned
            reattempt = false
            guard force || allowRewrite || head != status.lastAttemptedRevision || due else { return }
            guard force || allowRewrite || head != status.poisonedRevision else { return }
            if let refusal = try rewriteRefusal(head, repo, allowed: allowRewrite) {
                // Recorded as attempted, so the next poll does not say it again.
                status.lastAttemptedRevision = head
                status.lastAttemptError = refusal
                status.set(.stalled, true, reason: .historyRewritten, message: refusal)
                status.set(.reconciling, false, reason: .historyRewritten, message: "")
                log(refusal)
                outcome = .rewritten
                metrics.observeReconcile(seconds: Date().timeIntervalSince(started), outcome: outcome)
                return
            }
            if head != status.lastAttemptedRevision { backoff = 0; resumedDeaths = 0 }
            status.poisonedRevision = nil
            try AttemptRecord(revision: head, phase: .loading, started: started, deaths: resumedDeaths).save(dataDir: config.dataDir)
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
            status.set(.reconciling, true, reason: .retryingAfterError, message: "\(error); retrying in \(Int(backoff)) s")
            log("transient error, retrying in \(Int(backoff)) s: \(error)")
        } catch {
            outcome = .failed
            status.lastAttemptError = "\(error)"
            status.set(.stalled, true, reason: .reconcileFailed, message: "\(error)")
            status.set(.reconciling, false, reason: .reconcileFailed, message: "\(error)")
            log("reconcile failed: \(error)")
        }
        metrics.observeReconcile(seconds: Date().timeIntervalSince(started), outcome: outcome)
        publish()
    }

    /// One attempt at a commit. Returns the outcome for metrics.
    func attempt(_ head: String, _ repo: GitRepository) throws -> ReconcileOutcome {
        if let problem = try signatureProblem(head, repo) {
            status.lastAttemptError = problem
            status.set(.stalled, true, reason: .invalidCommitSignature, message: "revision \(Self.short(head)): \(problem); nothing was applied")
            status.set(.reconciling, false, reason: .invalidCommitSignature, message: "")
            log("revision \(Self.short(head)) not applied: \(problem)")
            return .unsigned
        }
        let (snapshot, _) = try repo.snapshot(revision: head, subpath: settings.statePath)
        let result = StateLoader.load(snapshot)
        guard result.isValid else {
            let label = settings.statePath.isEmpty ? "\(Self.short(head)):" : "\(Self.short(head)):\(settings.statePath)"
            let message = result.errors.prefix(5).map { $0.formatted(root: label) }.joined(separator: "\n")
            status.lastAttemptError = message
            status.set(.stalled, true, reason: .invalidState, message: message)
            status.set(.reconciling, false, reason: .invalidState, message: "revision \(Self.short(head)) is invalid; nothing was changed")
            log("revision \(Self.short(head)) is invalid; nothing changed:\n\(message)")
            return .invalid
        }
        let lock = try FileLock.acquire("\(config.dataDir)/lock", holder: "pid \(getpid()) (primd, revision \(Self.short(head)))",
                                        timeout: nil) { holder in self.log("waiting for the apply lock, held by \(holder)") }
        defer { lock.release() }
        // An operator may have suspended primd while it waited for the lock (`primctl suspend` takes it too).
        if suspended() { throw SuspendedMeanwhile() }
        let source = GitSourceTree(repository: repo, commit: head, subpath: settings.statePath)
        let session = try HostSession(config: config, sources: [source])
        var hostPlan = try session.plan(result.state)
        let blocked = hostPlan.plan.blocked.map { ControllerStatus.Blocked(prim: $0.prim, missingEnv: $0.missingEnv, message: $0.message) }
        status.blocked = blocked.isEmpty ? nil : blocked
        try AttemptRecord(revision: head, phase: .applying, started: Date(), deaths: resumedDeaths).save(dataDir: config.dataDir)
        let interrupted = ApplyJournal.interrupted(dataDir: config.dataDir)
        if let interrupted { hostPlan.plan = Resume.adjust(hostPlan.plan, unfinished: interrupted.unfinished, kinds: Kinds.planners) }
        let generation = try session.applier().apply(hostPlan.plan, desired: hostPlan.desired, gates: hostPlan.gates,
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
        try AttemptRecord(revision: head, phase: .applied, started: Date(), deaths: resumedDeaths, outcome: generation.outcome).save(dataDir: config.dataDir)
        publish()
        record(generation.gates)
        recheck(hostPlan.gates, besides: generation.gates, session: session, renderings: hostPlan.desired.renderings)
        status.prims.removeAll { health in !hostPlan.gates.values.contains { $0.prim == health.prim } }
        recordSources(hostPlan.desired.renderings)
        let failedLive = generation.gates.filter { !$0.passed && $0.enforced }.map(\.prim)
        if generation.outcome == .converged {
            status.lastAppliedRevision = head
            status.lastAttemptError = nil
            status.lastSuccess = Date()
            status.set(.ready, true, reason: .reconciliationSucceeded, message: "applied revision \(Self.short(head))")
            status.set(.stalled, false, reason: .reconciliationSucceeded, message: "")
            status.set(.reconciling, false, reason: .reconciliationSucceeded, message: "")
            log("revision \(Self.short(head)) applied: \(generation.added) added, \(generation.changed) changed, \(generation.destroyed) destroyed")
            return .converged
        }
        var message = generation.errors.prefix(5).joined(separator: "; ")
        if generation.errors.count > 5 { message += "; and \(generation.errors.count - 5) more (see `primctl history`)" }
        if let good = status.lastAppliedRevision, !failedLive.isEmpty {
            try rollback(Set(failedLive), to: good, head: head, headState: result.state, repo: repo)
            message += "; rolled \(failedLive.sorted().joined(separator: ", ")) back to \(Self.short(good))"
        }
        status.lastAttemptError = message
        status.set(.ready, false, reason: .healthCheckFailed, message: message)
        status.set(.stalled, true, reason: .healthCheckFailed, message: "revision \(Self.short(head)) is not retried until a new commit or `primctl reconcile --force`")
        status.set(.reconciling, false, reason: .healthCheckFailed, message: "")
        log("revision \(Self.short(head)) failed: \(message)")
        return .degraded
    }

    /// Why a branch head must not be applied because it does not descend from the revision the host
    /// runs (a force-push, unrelated history, or an older commit — signed or not: a replayed old
    /// commit is a downgrade); nil when it may. The operator lifts it once (`primctl reconcile
    /// --allow-rewrite`) or for good (`controller.allow_rewrites`).
    func rewriteRefusal(_ head: String, _ repo: GitRepository, allowed: Bool) throws -> String? {
        guard !allowed, !settings.allowRewrites, let running = status.liveRevision ?? status.lastAppliedRevision, head != running else { return nil }
        guard !(try repo.isAncestor(running, of: head)) else { return nil }
        let older = (try? repo.isAncestor(head, of: running)) ?? false
        let what = older ? "an older commit (\(Self.short(head)) is an ancestor of it)" : "history that does not contain it (a force-push or unrelated history)"
        return "branch '\(settings.branch)' moved from \(Self.short(running)), which the host runs, to \(Self.short(head)): \(what); nothing was applied. If that is meant, run `primctl reconcile --allow-rewrite` to apply it once (or set controller.allow_rewrites: true)"
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

    /// What the host should run: `state` (the tree at `revision`), except the prims in `overrides`,
    /// rendered from the older revision each maps to. The session reads release files from all those trees.
    func desire(_ state: DesiredState, at revision: String, overrides: [String: String],
                repo: GitRepository) throws -> (session: HostSession, desire: HostDesire) {
        let source = GitSourceTree(repository: repo, commit: revision, subpath: settings.statePath)
        let byRevision = Dictionary(grouping: overrides.keys, by: { overrides[$0]! })
        let older = byRevision.keys.sorted().map { GitSourceTree(repository: repo, commit: $0, subpath: settings.statePath) }
        let session = try HostSession(config: config, sources: [source] + older)
        var desire = try session.desire(state, source: source)
        for tree in older {
            let prims = Set(byRevision[tree.commit]!)
            let (snapshot, _) = try repo.snapshot(revision: tree.commit, subpath: settings.statePath)
            let old = try session.desire(StateLoader.load(snapshot).state, source: tree)
            desire.desired = desire.desired.replacing(prims: prims, from: old.desired)
            desire.gates = desire.gates.filter { !prims.contains($0.value.prim) }
            for (unit, gate) in old.gates where prims.contains(gate.prim) { desire.gates[unit] = gate }
        }
        return (session, desire)
    }

    /// Puts `prims` back to their state at `good` (unit, env, route, release); everything else stays at head.
    func rollback(_ prims: Set<String>, to good: String, head: String, headState: DesiredState, repo: GitRepository) throws {
        let overrides = Dictionary(uniqueKeysWithValues: prims.map { ($0, good) })
        let (session, effective) = try desire(headState, at: head, overrides: overrides, repo: repo)
        let plan = try session.plan(effective.desired)
        let generation = try session.applier().apply(plan, desired: effective.desired, gates: effective.gates,
                                                     revision: "\(good) (rollback of \(prims.sorted().joined(separator: ",")))", origin: origin,
                                                     provenance: .init(subject: (try? repo.subject(good)).map { "\($0) (\(prims.sorted().joined(separator: ", ")) rolled back to it)" }),
                                                     report: logEvent)
        for prim in prims { status.rolledBack[prim] = good }
        record(generation.gates)
        // A prim kept at its running version (its side-by-side candidate failed) was not restarted:
        // ask it directly how it is.
        let unchecked = effective.gates.values.filter { gate in prims.contains(gate.prim) && !generation.gates.contains { $0.prim == gate.prim } }
        check(unchecked, session: session, renderings: effective.desired.renderings)
        log("rolled \(prims.sorted().joined(separator: ", ")) back to \(Self.short(good)): \(generation.outcome.rawValue)")
    }

    /// The guards the host config lifts for primd (an operator's settings, never a commit's).
    var overrides: Set<Override> {
        var overrides: Set<Override> = []
        if config.controller.allowMassDelete { overrides.insert(Kinds.allowMassDelete) }
        if config.dnsAllowDeletes { overrides.insert(Kinds.allowDNSDeletes) }
        return overrides
    }

    /// Notes where each running prim's env values come from, as the plan rendered them.
    func recordSources(_ renderings: [String: PrimRendering]) {
        for index in status.prims.indices {
            status.prims[index].envSources = renderings[status.prims[index].prim].map(\.sources)
        }
    }

    func record(_ gates: [GateResult]) {
        let time = Date()
        for gate in gates {
            let previous = status.prims.first { $0.prim == gate.prim }
            status.prims.removeAll { $0.prim == gate.prim }
            status.prims.append(ControllerStatus.PrimHealth.checked(gate, previous: previous, rolledBackTo: status.rolledBack[gate.prim],
                                                                    revision: status.liveRevision, at: time))
        }
        status.prims.sort { $0.prim < $1.prim }
        metrics.setUp(Dictionary(status.prims.map { ($0.prim, $0.up) }, uniquingKeysWith: { a, _ in a }))
        metrics.setRoutes(Dictionary(status.prims.map { ($0.prim, $0.routes ?? []) }, uniquingKeysWith: { a, _ in a }))
    }

    /// The longest a re-check of a running prim waits for its health path.
    static let recheckHealthSeconds = 10.0

    /// Asks every running prim of the live revision its gate and conformance again: how
    /// `passing_since` grows for promotion. Skipped while an apply holds the lock.
    func checkConformanceNow() {
        guard let repo = repository else { return }
        do {
            try onLiveRevision("conformance check", repo: repo) { session, desire in
                let blocked = Set((status.blocked ?? []).map(\.prim))
                let gates = desire.gates.values.filter { !blocked.contains($0.prim) }.sorted { $0.prim < $1.prim }
                guard !gates.isEmpty else { return }
                check(gates, session: session, renderings: desire.desired.renderings)
                publish()
            }
        } catch {
            log("conformance check failed: \(error)")
        }
    }

    /// Asks running prims' `gates` their health and conformance, and records the answers with a
    /// failing unit's last journal lines (redacted). A running prim has had its start-up time: the
    /// health path is waited on for at most `recheckHealthSeconds`.
    func check(_ gates: [HealthGate], session: HostSession, renderings: [String: PrimRendering]) {
        guard !gates.isEmpty else { return }
        // Each prim is asked at its serving version: that version's unit and port.
        let versions = (try? SystemdObserver(config: config, bus: session.bus).allVersions()) ?? [:]
        let gates = gates.map { gate in
            var gate = gate
            gate.timeout = min(gate.timeout, Self.recheckHealthSeconds)
            if let serving = versions[gate.prim].flatMap({ $0.serving ?? $0.running.first }) {
                gate.unit = serving.unit
                if let port = serving.port { gate.port = port }
            }
            return gate
        }
        let results = HTTPHealthChecker(bus: session.bus).check(gates)
        let units = SystemdExecutor(config: config, bus: session.bus)
        record(results.map { result in
            var result = result
            if !result.passed, let gate = gates.first(where: { $0.prim == result.prim }) { result.journal = units.journal(unit: gate.unit, lines: 10) }
            return renderings[result.prim]?.redacting(result) ?? result
        })
        for result in results where !result.passed { log("prim \(result.prim): conformance check failed: \(result.message)") }
    }

    /// Checks at once the running prims an apply changed without restarting them (its routes,
    /// prices or health path, or its status to or from `live`): their last answer was to another
    /// declaration. The apply's own gates are `gated`.
    func recheck(_ gates: [String: HealthGate], besides gated: [GateResult], session: HostSession, renderings: [String: PrimRendering]) {
        let changed = gates.values.filter { gate in
            guard !gated.contains(where: { $0.prim == gate.prim }) else { return false }
            guard let health = status.prims.first(where: { $0.prim == gate.prim }) else { return true }
            return health.release != gate.release || health.enforced != gate.enforce
        }
        check(changed.sorted { $0.prim < $1.prim }, session: session, renderings: renderings)
    }

    /// Runs `work` on what the live revision asks of the host (rolled-back prims at their older
    /// revision), under the apply lock; skipped when that state is invalid or an apply holds the lock.
    func onLiveRevision(_ purpose: String, repo: GitRepository, _ work: (HostSession, HostDesire) throws -> Void) throws {
        guard let live = status.liveRevision else { return }
        let (snapshot, _) = try repo.snapshot(revision: live, subpath: settings.statePath)
        let state = StateLoader.load(snapshot)
        guard state.isValid else { return }
        guard let lock = try? FileLock.acquire("\(config.dataDir)/lock", holder: "pid \(getpid()) (primd \(purpose))",
                                               timeout: 0, onWait: { _ in }) else { return }
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
            log("prim \(result.prim): gate \(result.passed ? "passed" : "failed"): \(result.message)\(journal.isEmpty ? "" : "\n  " + journal.joined(separator: "\n  "))")
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
        guard !reattempt, AttemptRecord.load(dataDir: config.dataDir) == nil, ApplyJournal.interrupted(dataDir: config.dataDir) == nil else { return }
        guard let live = status.liveRevision, let repo = try? mirror() else { return }
        do {
            try onLiveRevision("drift check", repo: repo) { session, desire in
                // Suspended while the repository was fetched: the lock is held now, so this holds.
                guard !suspended() else { return }
                var session = session
                session.driftCheck = true
                let plan = try session.plan(desire.desired)
                // What blocks a prim is as current as the last plan of the live revision.
                let blocked = plan.blocked.map { ControllerStatus.Blocked(prim: $0.prim, missingEnv: $0.missingEnv, message: $0.message) }
                if status.blocked ?? [] != blocked { status.blocked = blocked.isEmpty ? nil : blocked; publish() }
                let drifted = plan.pending
                guard !drifted.isEmpty else { return }
                for change in drifted {
                    let key = change.address.key
                    metrics.driftDetected(key)
                    status.driftEvents[key, default: 0] += 1
                    log("drift: \(key) will be \(HumanPlanRenderer.verb(change.action)) (\(change.reason?.message ?? ""))")
                }
                if settings.driftMode == "repair" {
                    let generation = try session.applier().apply(plan, desired: desire.desired, gates: desire.gates,
                                                                   revision: live, origin: origin, overrides: overrides, report: logEvent)
                    record(generation.gates)
                    log("drift repaired: \(generation.outcome.rawValue)")
                }
                publish()
            }
        } catch {
            log("drift check failed: \(error)")
        }
    }
}
