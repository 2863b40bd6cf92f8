import Foundation
import PrimSystem

/// Following merged PRs to the host: primd's status read and turned into each PR's deployment.
extension PRService {
    /// Reads primd's status once and updates the deployment of every merged PR still followed;
    /// a change of state is a comment on the PR (and a commit status on the forge). Returns the
    /// PRs whose deployment changed.
    @discardableResult
    public func followDeployments() throws -> [Int] {
        guard let primd = configuration.primd else { return [] }
        let time = now()
        let followed = pullRequests.values.filter { pr in
            pr.state == .merged && pr.mergedCommit != nil && !(pr.deployment?.state.isFinal ?? false)
                && time.timeIntervalSince(pr.updatedAt) < configuration.followSeconds + 3600
        }.sorted { $0.number < $1.number }
        guard !followed.isEmpty else { return [] }
        guard case .status(let status) = primd.report() else { return [] }
        var changed: [Int] = []
        for var pr in followed {
            let commit = pr.mergedCommit!
            let deployment = Deployment.derive(
                revision: commit, prims: pr.prims, from: status,
                covers: { [repository] applied in
                    applied == commit || ((try? repository.isAncestor(commit, of: applied)) ?? false)
                }, at: time)
            let before = pr.deployment
            guard
                before?.state != deployment.state || before?.message != deployment.message
                    || before?.prims != deployment.prims
            else { continue }
            pr.deployment = deployment
            if before?.state != deployment.state {
                pr.comments.append(.init(author: "pr.sh", body: deployment.summary, at: time))
            }
            try save(&pr)
            changed.append(pr.number)
        }
        return changed
    }
}
