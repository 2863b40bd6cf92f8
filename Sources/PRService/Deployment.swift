import Foundation
import PrimModel
import PrimStatus

/// What became of a merged PR on the host: pr.sh reads primd's status after the merge and keeps
/// the answer on the PR (`GET /v1/pr/:n` → `deployment`).
public struct Deployment: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable {
        /// primd has not finished applying the merge commit (or a later one) yet.
        case pending
        /// Applied; every prim the PR touches that runs passed its gate and conformance.
        case live
        /// A `live` prim failed its gate and runs its previous revision again.
        case rolledBack = "rolled_back"
        /// The commit did not apply (invalid, unsigned, an error), or a prim failed its gate and was not rolled back.
        case failed
        /// A prim the PR touches is not deployed: env keys without a value on the host.
        case blocked

        /// Whether primd's later work can still change it (a blocked prim deploys once its keys are set).
        public var isFinal: Bool { self == .live || self == .rolledBack || self == .failed }
    }

    /// How one prim the PR touches fared.
    public struct PrimResult: Sendable, Codable, Equatable {
        // Every key of the contract is written, `null` when there is no value (agents read
        // `d["journal"]`; llms.txt shows them so).
        public var prim: String
        @WritesNull public var up: Bool? = nil
        public var message: String
        /// Its gate was enforced (`live`) or only reported (`testing`).
        @WritesNull public var enforced: Bool? = nil
        @WritesNull public var routes: [RouteResult]? = nil
        /// The failing unit's last journal lines.
        @WritesNull public var journal: [String]? = nil
        @WritesNull public var missingKeys: [String]? = nil
        @WritesNull public var rolledBackTo: String? = nil
    }

    public var state: State
    /// The merge commit followed.
    public var revision: String
    /// The commit primd applied that holds it (the merge commit or a later one), once it has
    /// (`null` until then).
    @WritesNull public var appliedRevision: String?
    public var message: String
    public var prims: [PrimResult]
    /// Every env key a touched prim is blocked on.
    public var missingKeys: [String]
    public var updatedAt: Date

    public init(
        state: State, revision: String, appliedRevision: String? = nil, message: String, prims: [PrimResult] = [],
        missingKeys: [String] = [], updatedAt: Date
    ) {
        self.state = state
        self.revision = revision
        self.appliedRevision = appliedRevision
        self.message = message
        self.prims = prims
        self.missingKeys = missingKeys
        self.updatedAt = updatedAt
    }

    /// What primd's status says of `revision` and the prims it touches. `covers(commit)` says
    /// whether primd's commit holds the merge (it is the merge commit or a descendant). Pure.
    public static func derive(
        revision: String, prims touched: [String], from status: ControllerStatus,
        covers: (String) -> Bool, at time: Date
    ) -> Deployment {
        func pending(_ message: String) -> Deployment {
            Deployment(state: .pending, revision: revision, message: message, updatedAt: time)
        }
        guard let attempted = status.lastAttemptedRevision, covers(attempted) else {
            let seen =
                status.lastAttemptedRevision.map { "it last tried \($0.prefix(12))" } ?? "it has tried no commit yet"
            return pending("primd has not applied \(revision.prefix(12)) yet (\(seen))")
        }
        if let reconciling = status.condition(.reconciling), reconciling.status, reconciling.reason == .progressing {
            return pending("primd is applying \(attempted.prefix(12))")
        }
        guard let live = status.liveRevision, live == attempted else {
            let why = status.lastAttemptError ?? status.condition(.stalled)?.message ?? "primd did not apply it"
            return Deployment(
                state: .failed, revision: revision, message: "\(attempted.prefix(12)) was not applied: \(why)",
                updatedAt: time)
        }
        // A prim the attempt rolled back counts even when the PR touched it only through shared code.
        let followed = Array(Set(touched).union(status.rolledBack.keys)).sorted()
        var results: [PrimResult] = []
        var missing: [String] = []
        var blocked: [String] = [], rolledBack: [String] = [], failed: [String] = [], unchecked: [String] = []
        for prim in followed {
            if let block = status.blocked?.first(where: { $0.prim == prim }) {
                results.append(PrimResult(prim: prim, message: block.message, missingKeys: block.missingEnv))
                missing += block.missingEnv
                blocked.append(prim)
            } else if let health = status.prims.first(where: { $0.prim == prim }) {
                // An answer from before the merge says nothing of it.
                guard let checked = health.revision, covers(checked) else {
                    unchecked.append(prim)
                    continue
                }
                let back = status.rolledBack[prim]
                let failure = back != nil ? health.lastFailure : nil
                results.append(
                    PrimResult(
                        prim: prim, up: health.up, message: failure?.message ?? health.message,
                        enforced: health.enforced,
                        routes: failure?.routes ?? health.routes, journal: failure?.journal ?? health.journal,
                        rolledBackTo: back))
                if back != nil { rolledBack.append(prim) } else if !health.up { failed.append(prim) }
            }
        }
        var deployment = Deployment(
            state: .live, revision: revision, appliedRevision: live, message: "", prims: results,
            missingKeys: Array(Set(missing)).sorted(), updatedAt: time)
        if !rolledBack.isEmpty {
            deployment.state = .rolledBack
            deployment.message =
                "\(rolledBack.joined(separator: ", ")) failed the gate and \(rolledBack.count == 1 ? "runs" : "run") the previous revision again; see the journal lines and failed routes, fix it and send a new manifest"
        } else if !failed.isEmpty {
            deployment.state = .failed
            deployment.message =
                "\(failed.joined(separator: ", ")) failed the gate on \(live.prefix(12)); see the journal lines and failed routes, fix it and send a new manifest"
        } else if status.lastAppliedRevision != attempted {
            // Applied with errors that no gate records (a unit that did not start, a route or record not written).
            deployment.state = .failed
            let why =
                status.lastAttemptError ?? status.condition(.ready)?.message ?? "primd reports it applied with errors"
            deployment.message = "\(attempted.prefix(12)) applied with errors: \(why); fix it and send a new manifest"
        } else if !unchecked.isEmpty {
            deployment.state = .pending
            deployment.message =
                "applied in \(live.prefix(12)); primd has not checked \(unchecked.joined(separator: ", ")) at it yet (it re-checks every running prim on its conformance interval)"
        } else if !blocked.isEmpty {
            deployment.state = .blocked
            deployment.message =
                "\(blocked.joined(separator: ", ")) \(blocked.count == 1 ? "is" : "are") not deployed: no value for \(deployment.missingKeys.joined(separator: ", ")) on the host; the operator sets \(deployment.missingKeys.count == 1 ? "it" : "them") (`primctl secret set`), or you commit \(deployment.missingKeys.count == 1 ? "it" : "them") encrypted"
        } else {
            deployment.message =
                "applied in \(live.prefix(12))"
                + (results.isEmpty ? "" : "; \(results.map(\.prim).joined(separator: ", ")) passed the gate")
        }
        return deployment
    }

    static func pending(_ revision: String, _ message: String, at time: Date) -> Deployment {
        Deployment(state: .pending, revision: revision, message: message, updatedAt: time)
    }

    /// The deployment of a fleet: each host's, by host name. Live only when every host is live;
    /// otherwise the state of the host furthest from it (failed, rolled back, blocked, pending),
    /// each host not live named in the message. Pure.
    public static func combine(_ hosts: [(String, Deployment)], revision: String, at time: Date) -> Deployment {
        let order: [State] = [.failed, .rolledBack, .blocked, .pending, .live]
        let worst = order.first { state in hosts.contains { $0.1.state == state } } ?? .pending
        var combined = Deployment(
            state: worst, revision: revision,
            appliedRevision: hosts.allSatisfy({ $0.1.appliedRevision != nil }) ? hosts.first?.1.appliedRevision : nil,
            message: "", prims: hosts.flatMap(\.1.prims).sorted { $0.prim < $1.prim },
            missingKeys: Array(Set(hosts.flatMap(\.1.missingKeys))).sorted(), updatedAt: time)
        if worst == .live {
            combined.message = "live on every host running its prims (\(hosts.map(\.0).joined(separator: ", ")))"
        } else {
            combined.message = hosts.filter { $0.1.state != .live }.map { "on \($0.0): \($0.1.message)" }
                .joined(separator: "; ")
            let live = hosts.filter { $0.1.state == .live }.map(\.0)
            if !live.isEmpty { combined.message += "; live on \(live.joined(separator: ", "))" }
        }
        return combined
    }

    /// One line for a PR comment or a commit status.
    public var summary: String {
        "deployment \(state.rawValue): \(message)"
    }
}
