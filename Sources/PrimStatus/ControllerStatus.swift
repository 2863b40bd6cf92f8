import PrimModel

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// What primd reports: the revision that serves, the one last tried, and why (as Flux's status).
public struct ControllerStatus: Codable, Sendable, Equatable {
    public struct Condition: Codable, Sendable, Equatable {
        public var type: ConditionType
        public var status: Bool
        public var reason: ConditionReason
        public var message: String
        public var lastTransition: Date
    }

    public struct PrimHealth: Codable, Sendable, Equatable {
        public var prim: String
        public var up: Bool
        public var message: String
        /// Set when the prim runs an older revision after a failed gate.
        public var rolledBackTo: String?
        /// Whether its gate is enforced (`live`) or only reported (`testing`).
        public var enforced: Bool?
        /// What answered: the prim's `PrimIdentity` digest (code, declaration but status, committed secrets).
        public var release: String?
        /// How each route of its `routes_map` answered at the last check.
        public var routes: [RouteResult]?
        /// The revision live when it was last checked, and when.
        public var revision: String?
        public var checkedAt: Date?
        /// Since when every check of this release passed (nil: the last one failed).
        public var passingSince: Date?
        /// The unit's last journal lines, when the last check failed.
        public var journal: [String]?
        /// The last failed check, kept after the prim passes again (a rollback's reason).
        public var lastFailure: Failure?
        /// Where each env value the prim runs with comes from (`host`, `store`, `encrypted`), never the value.
        public var envSources: [String: ValueSource]?
        /// As the live state declares the prim: its name, description, and the host name its route
        /// and DNS record carry (shown on the status page).
        public var name: String?
        public var description: String?
        public var endpoint: String?

        public struct Failure: Codable, Sendable, Equatable {
            public var message: String
            public var release: String?
            public var revision: String?
            public var routes: [RouteResult]?
            public var journal: [String]?
            public var at: Date

            public init(
                message: String, release: String?, revision: String?, routes: [RouteResult]?, journal: [String]?,
                at: Date
            ) {
                self.message = message
                self.release = release
                self.revision = revision
                self.routes = routes
                self.journal = journal
                self.at = at
            }
        }

        public init(prim: String, up: Bool, message: String, rolledBackTo: String?) {
            self.prim = prim
            self.up = up
            self.message = message
            self.rolledBackTo = rolledBackTo
        }
    }

    /// A prim the last plan could not deploy, and why (which env key has no value, and how to give it one).
    public struct Blocked: Codable, Sendable, Equatable {
        public var prim: String
        public var missingEnv: [String]
        public var message: String

        public init(prim: String, missingEnv: [String], message: String) {
            self.prim = prim
            self.missingEnv = missingEnv
            self.message = message
        }
    }

    public var lastAppliedRevision: String?
    public var lastAttemptedRevision: String?
    /// The revision live on the host (applied, possibly with failures); drift is measured against it.
    public var liveRevision: String?
    /// Why the last attempted revision is not the applied one, if it is not.
    public var lastAttemptError: String?
    /// A commit primd died on (crashed or stalled); not attempted again without `--force`.
    public var poisonedRevision: String?
    public var conditions: [Condition] = []
    public var prims: [PrimHealth] = []
    /// The prims the last plan blocked (nil: none, or a status written before primd reported them).
    public var blocked: [Blocked]?
    /// The certificates prim keeps for the host (`tls.certificates`; nil: none).
    public var certificates: [CertificateStatus]?
    /// Prims held at an older revision after failing their gate: prim → revision.
    public var rolledBack: [String: String] = [:]
    public var driftEvents: [String: Int] = [:]
    /// The operator's suspension (`primctl suspend`), while it lasts.
    public var suspended: Suspension?
    public var lastSuccess: Date?
    /// Fetches of the repository so far, and the branch head the last one saw (whether or not it
    /// was applied): how a watcher knows primd has looked again.
    public var fetches: Int?
    public var lastFetchedRevision: String?
    public var updated = Date()
    /// primd's clock when it served this status (`GET /status`): a reader measures durations of
    /// primd's own times (`passing_since`, `checked_at`) against it, never against its own clock.
    public var servedAt: Date?

    public init() {}

    public mutating func set(_ type: ConditionType, _ status: Bool, reason: ConditionReason, message: String) {
        let now = Date()
        if let index = conditions.firstIndex(where: { $0.type == type }) {
            let changed = conditions[index].status != status || conditions[index].reason != reason
            conditions[index] = Condition(
                type: type, status: status, reason: reason, message: message,
                lastTransition: changed ? now : conditions[index].lastTransition)
        } else {
            conditions.append(
                Condition(type: type, status: status, reason: reason, message: message, lastTransition: now))
        }
        conditions.sort { $0.type.rawValue < $1.type.rawValue }
        updated = now
    }

    public func condition(_ type: ConditionType) -> Condition? { conditions.first { $0.type == type } }

    /// primd will not go on without a new commit or the operator: `Stalled` says why, with
    /// `message`, and `Reconciling` is false for the same reason.
    public mutating func stall(_ reason: ConditionReason, _ message: String, reconciling: String = "") {
        set(.stalled, true, reason: reason, message: message)
        set(.reconciling, false, reason: reason, message: reconciling)
    }

    public func json() -> String { PrimJSON.text(self) }

    public static func load(_ path: String) -> ControllerStatus? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? PrimJSON.decode(ControllerStatus.self, from: Array(data))
    }
}

/// A condition's type, Flux's way (`meta.ReadyCondition`): typed constants in the code, the plain
/// string on the wire (a status written by a newer primd still reads).
public typealias ConditionType = TypedName<ConditionTypes>
public enum ConditionTypes {}

extension ConditionType where Set == ConditionTypes {
    /// The last reconcile applied the revision fetched (status true), or why not.
    public static var ready: Self { Self(rawValue: "Ready") }
    /// A reconcile is under way or will be retried.
    public static var reconciling: Self { Self(rawValue: "Reconciling") }
    /// primd will not go on without a new commit or the operator.
    public static var stalled: Self { Self(rawValue: "Stalled") }
    /// The operator suspended reconciling (`primctl suspend`).
    public static var suspended: Self { Self(rawValue: "Suspended") }
    /// Something the host serves needs the operator soon, though everything applied (a certificate
    /// with less than 14 days left, or none issued).
    public static var degraded: Self { Self(rawValue: "Degraded") }
}

/// Why a condition is as it is: typed constants in the code, the plain string on the wire.
public typealias ConditionReason = TypedName<ConditionReasons>
public enum ConditionReasons {}

extension ConditionReason where Set == ConditionReasons {
    public static var attemptCrashed: Self { Self(rawValue: "AttemptCrashed") }
    public static var branchMissing: Self { Self(rawValue: "BranchMissing") }
    public static var certificateExpiring: Self { Self(rawValue: "CertificateExpiring") }
    public static var certificatesValid: Self { Self(rawValue: "CertificatesValid") }
    public static var fetchFailed: Self { Self(rawValue: "FetchFailed") }
    public static var healthCheckFailed: Self { Self(rawValue: "HealthCheckFailed") }
    public static var historyRewritten: Self { Self(rawValue: "HistoryRewritten") }
    public static var invalidCommitSignature: Self { Self(rawValue: "InvalidCommitSignature") }
    public static var invalidState: Self { Self(rawValue: "InvalidState") }
    /// The host config names no repository to watch (a fresh package install).
    public static var notConfigured: Self { Self(rawValue: "NotConfigured") }
    public static var progressing: Self { Self(rawValue: "Progressing") }
    public static var reconcileFailed: Self { Self(rawValue: "ReconcileFailed") }
    public static var reconciliationSucceeded: Self { Self(rawValue: "ReconciliationSucceeded") }
    public static var resumed: Self { Self(rawValue: "Resumed") }
    public static var retryingAfterError: Self { Self(rawValue: "RetryingAfterError") }
    public static var suspended: Self { Self(rawValue: "Suspended") }
    public static var suspendedByOperator: Self { Self(rawValue: "SuspendedByOperator") }
}
