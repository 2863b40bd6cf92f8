import Dispatch
import PrimEngine
import PrimHost
import PrimModel
import PrimPlan
import PrimSigning
import PrimStatus
import PrimSystem
import SystemdReconciler

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

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
    // The hosts of the revision the status page last showed (`fleetHosts`): read once a revision.
    let fleetLock = ThreadLock()
    var fleet: (revision: String, hosts: [Host])?

    public init(config: HostConfig, log: @escaping @Sendable (String) -> Void) {
        self.config = config
        settings = config.controller
        self.log = log
        status = ControllerStatus.load(config.paths.status) ?? ControllerStatus()
        if let left = AttemptRecord.load(dataDir: config.dataDir) {
            if let poison = left.poison(live: status.liveRevision) {
                // A poison commit: recorded, and never attempted again without --force.
                status.poisonedRevision = left.revision
                status.lastAttemptedRevision = left.revision
                status.lastAttemptError = poison
                status.stall(
                    .attemptCrashed,
                    "\(poison); it is not attempted again: push a new commit, or run `primctl reconcile --force` to try it once more"
                )
                AttemptRecord.clear(dataDir: config.dataDir)
                log("revision \(Self.short(left.revision)) is not attempted again: \(poison)")
            } else if left.phase == .applied {
                // The host holds this commit: status.json said so before the death. A degraded one
                // is attempted once more, so a rollback the death cut short runs again.
                reattempt = left.outcome == .degraded && left.deaths < AttemptRecord.applyDeathsAllowed
                resumedDeaths = left.deaths + 1
                log(
                    "primd stopped after applying revision \(Self.short(left.revision)); it stays applied\(reattempt ? " and is attempted once more" : "")"
                )
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
        recordCertificates()
        try? AtomicFile.write(Array(status.json().utf8), to: config.paths.status, mode: 0o644)
        publishedLock.lock(); published = status; publishedLock.unlock()
    }

    func onQueue(_ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            queue.async {
                work(); done.resume()
            }
        }
    }

    /// The host config names no repository: primd reports so and reconciles nothing.
    public func notConfigured(_ message: String) {
        queue.sync {
            status.set(.ready, false, reason: .notConfigured, message: message)
            status.stall(.notConfigured, message)
            publish()
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

    var origin: Generation.Origin? {
        settings.repo.map { Generation.Origin(repository: $0, statePath: settings.statePath) }
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

}
