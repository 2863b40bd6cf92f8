import Foundation
import PrimModel

/// Approvals (an operator's, an owner's), what a PR waits for, and the prices of acting on a PR.
extension PRService {
    /// An operator's approval; the PR merges at once when its checks are green.
    public func approve(_ number: Int, by name: String) throws -> PullRequest {
        var pr = try openPullRequest(number)
        pr.approvedBy = name
        pr.updatedAt = now()
        pr.comments.append(.init(author: name, body: "approved", at: pr.updatedAt))
        try save(&pr)
        try forge.sync()
        try refresh(&pr)
        if pr.isGreen { try merge(&pr, by: .operator) }
        return pr
    }

    /// An owner's approval of another wallet's change to its prims (a paid call); the PR merges
    /// at once when nothing else waits.
    public func approve(_ number: Int, owner wallet: String) throws -> PullRequest {
        var pr = try openPullRequest(number)
        try authorizeApproval(number, owner: wallet)
        pr.ownerApprovals = (pr.ownerApprovals ?? []) + [wallet]
        pr.updatedAt = now()
        pr.comments.append(
            .init(
                author: wallet, body: "approved as the owner of \(pr.prims.joined(separator: ", "))", at: pr.updatedAt))
        try save(&pr)
        try forge.sync()
        try refresh(&pr)
        if pr.isGreen && !pr.needsApproval { try merge(&pr, by: .wallet(wallet)) }
        return pr
    }

    /// Why `wallet` may not approve PR `number` as an owner (free: checked before payment).
    public func authorizeApproval(_ number: Int, owner wallet: String) throws {
        let pr = try openPullRequest(number)
        guard (pr.awaitedOwners ?? []).contains(wallet) else {
            throw ServiceError(
                .forbidden,
                "\(wallet) owns none of the prims PR #\(number) waits on; only their owners (\((pr.awaitedOwners ?? []).joined(separator: ", ").isEmpty ? "none" : (pr.awaitedOwners ?? []).joined(separator: ", "))) or an operator may approve it",
                field: "number")
        }
        guard !(pr.ownerApprovals ?? []).contains(wallet) else {
            throw ServiceError(.conflict, "\(wallet) already approved PR #\(number)", field: "number")
        }
    }

    /// The price of merging or closing PR `number` (or approving it as an owner); with a caller,
    /// also whether it may. Checked before payment: a refusal costs nothing.
    public func price(of action: PRAction, _ number: Int, by caller: Caller?) throws -> UInt64 {
        let pr = try openPullRequest(number)
        if let caller {
            try authorize(caller, for: pr, action: action)
            if action == .merge {
                var current = pr
                try forge.sync()
                try refresh(&current)
                if current.needsApproval {
                    throw ServiceError(
                        .forbidden, "PR #\(pr.number) needs approval first: \(approvalWaits(current))", field: "number")
                }
                if !current.isGreen {
                    let failed = current.checks.filter { $0.status == .failure }.map(\.name.rawValue).joined(
                        separator: ", ")
                    throw ServiceError(
                        .conflict, "PR #\(pr.number) cannot merge: its checks failed (\(failed)); nothing was charged",
                        field: "checks")
                }
            }
        }
        return try loaded(try mainHead()).result.state.policy.prices[action]
    }

    /// What a PR waits for: the operator's reasons, and the owners that have not approved.
    func approvalWaits(_ pr: PullRequest) -> String {
        let owners = (pr.awaitedOwners ?? []).filter { !(pr.ownerApprovals ?? []).contains($0) }
        return
            (pr.approvalReasons
            + owners.map { "its owner \($0) approves (POST /v1/pr/\(pr.number)/approve, paid from that wallet)" })
            .joined(separator: "; ")
    }

    /// Why a change whose checks came out as `outcome` needs an operator: policy, risk rules,
    /// files left in a new prim's package folder, prims with no owner on record.
    func approvalReasons(_ outcome: Checks.Outcome, paths: [String], prims: [String]) -> [String] {
        PolicyGate.approvalReasons(
            paths: paths, prims: prims, base: outcome.base, head: outcome.head, policy: outcome.base.policy)
            + PackageFolders.reasons(outcome.leftovers)
            + PolicyGate.ownershipReasons(prims: prims, base: outcome.base)
    }
}
