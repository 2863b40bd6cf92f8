import Foundation
import PrimModel

/// A pull request as pr.sh keeps it: durable, one JSON file per PR.
public struct PullRequest: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable { case open, merged, closed }

    public var number: Int
    public var title: String
    public var body: String
    public var labels: [String]
    /// The wallet that opened it: the commit author and the unit of rate limiting.
    public var author: String
    public var branch: String
    /// Repository paths the manifest writes, and its content hash (for duplicate detection).
    public var paths: [String]
    public var manifestHash: String
    /// The prims the change touches.
    public var prims: [String]
    /// The main commit the branch's commit sits on, and that commit.
    public var base: String
    public var head: String
    public var state: State
    public var checks: [Check]
    /// Why it cannot merge without an operator; empty when policy lets it merge on green.
    public var approvalReasons: [String]
    public var approvedBy: String?
    /// Owners of prims this PR changes, other than its author: each approves (a paid call), or an operator does.
    public var awaitedOwners: [String]?
    public var ownerApprovals: [String]?
    public var mergedCommit: String?
    /// Why the last merge attempt did not merge (conflict, red checks), if it did not.
    public var mergeProblem: String?
    public var comments: [Comment]
    /// The PR on the forge (GitHub), when pr.sh mirrors it there.
    public var forge: ForgeLink?
    /// Why mirroring to the forge last failed (retried by the maintenance loop).
    public var forgeProblem: String?
    /// After the merge: what primd did with it (followed until it is final).
    public var deployment: Deployment?
    public var createdAt: Date
    public var updatedAt: Date

    public struct Comment: Sendable, Codable, Equatable {
        public var author: String
        public var body: String
        public var at: Date
    }

    public var needsApproval: Bool {
        guard approvedBy == nil else { return false }
        return !approvalReasons.isEmpty || !Set(awaitedOwners ?? []).isSubset(of: ownerApprovals ?? [])
    }
    public var isGreen: Bool { !checks.isEmpty && checks.allSatisfy { $0.status == .success } }

    /// Whether `wallet` owns a prim this PR of another wallet changes, while the operator has not
    /// approved it: that owner may decline it, and its own changes go first (approving it does not
    /// give that up, since the PR may still wait for the operator).
    public func isOwnersToDecline(_ wallet: String) -> Bool {
        approvedBy == nil && (awaitedOwners ?? []).contains(wallet)
    }

    /// Whether the PR stands aside for a change by `wallet` to the same files: `wallet` owns a prim
    /// it changes (an owner is never locked out of its own prim by a stranger's PR). With no wallet
    /// known yet, it stands aside when it changes any other wallet's prim.
    public func givesWay(to wallet: String?) -> Bool {
        guard let wallet else { return approvedBy == nil && !(awaitedOwners ?? []).isEmpty }
        return isOwnersToDecline(wallet)
    }
}

/// One check on a PR, run against the main commit it names.
public struct Check: Sendable, Codable, Equatable {
    /// `pending`: waiting on something outside the PR (the `promotion` check); re-run until it is not.
    public enum Status: String, Sendable, Codable { case success, failure, pending }

    public var name: Name
    public var status: Status
    /// One line: `12 files valid` or `Plan: 4 to add, 0 to change, 0 to destroy.`
    public var summary: String
    /// `path:line:col: error: message [code]` lines (validate) or change headers (plan).
    public var details: [String]
    /// The main commit the manifest was laid over.
    public var base: String
    public var at: Date

    /// A check's name: typed constants in the code, the plain string on the wire (`pr.sh/<name>`
    /// on the forge).
    public typealias Name = TypedName<CheckNames>
}

public enum CheckNames {}

extension Check.Name where Set == CheckNames {
    /// The state with the change loads and validates.
    public static var validate: Self { Self(rawValue: "validate") }
    /// What the change does to each host; fails when it blocks a prim.
    public static var plan: Self { Self(rawValue: "plan") }
    /// A prim the change makes `live` passed conformance long enough as `testing`.
    public static var promotion: Self { Self(rawValue: "promotion") }
}
