import Foundation
import PrimModel

/// Closing PRs (by their author, an owner or an operator, or when stale) and re-checking open ones.
extension PRService {
    public func close(_ number: Int, by caller: Caller, comment: String? = nil) throws -> PullRequest {
        var pr = try openPullRequest(number)
        try authorize(caller, for: pr, action: .close)
        pr.state = .closed
        pr.updatedAt = now()
        pr.comments.append(.init(author: caller.name, body: comment ?? "closed", at: pr.updatedAt))
        try save(&pr)
        return pr
    }

    /// Re-runs checks of open PRs whose checks ran on an older main, and merges the ones
    /// policy lets merge on green. Returns how many were re-checked.
    @discardableResult
    public func refreshAll() throws -> Int {
        try forge.sync()
        var count = 0
        for number in pullRequests.keys.sorted() {
            guard var pr = pullRequests[number] else { continue }
            if pr.forgeProblem != nil { try save(&pr) }
            guard pr.state == .open else { continue }
            let before = pr.checks.first?.base
            try refresh(&pr)
            if pr.checks.first?.base != before { count += 1 }
            if pr.isGreen && !pr.needsApproval && pr.mergeProblem == nil { try? merge(&pr, by: .operator) }
        }
        return count
    }

    /// Closes open PRs with no activity for the policy's `stale_days`, with a comment. Returns their numbers.
    @discardableResult
    public func sweep() throws -> [Int] {
        let policy = (try? loaded(mainHead()).result.state.policy) ?? Policy()
        let cutoff = now().addingTimeInterval(-Double(policy.staleDays) * 86400)
        var closed: [Int] = []
        for number in pullRequests.keys.sorted() {
            guard var pr = pullRequests[number], pr.state == .open, pr.updatedAt < cutoff else { continue }
            pr.state = .closed
            pr.updatedAt = now()
            pr.comments.append(
                .init(
                    author: "pr.sh",
                    body:
                        "closed: no activity for \(policy.staleDays) days; send the manifest again to reopen the change",
                    at: pr.updatedAt))
            try save(&pr)
            closed.append(number)
        }
        return closed
    }
}
