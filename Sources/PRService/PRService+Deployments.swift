import Foundation
import PrimModel
import PrimSystem

/// Following merged PRs to the hosts: each host's primd status read and turned into each PR's
/// deployment. In a fleet (the state at the merge names several hosts with a `control:` URL) every
/// host that runs a prim the PR touches is asked, and the PR is live only once each says so.
extension PRService {
    /// Reads the status of the primds concerned once and updates the deployment of every merged PR
    /// still followed; a change of state is a comment on the PR (and a commit status on the
    /// forge). Returns the PRs whose deployment changed.
    @discardableResult
    public func followDeployments() throws -> [Int] {
        let time = now()
        let followed = pullRequests.values.filter { pr in
            pr.state == .merged && pr.mergedCommit != nil && !(pr.deployment?.state.isFinal ?? false)
                && time.timeIntervalSince(pr.updatedAt) < configuration.followSeconds + 3600
        }.sorted { $0.number < $1.number }
        guard !followed.isEmpty else { return [] }
        var reports: [String: Promotion.Report] = [:]
        func report(_ client: PrimdClient) -> Promotion.Report {
            if let known = reports[client.url] { return known }
            let fresh = client.report()
            reports[client.url] = fresh
            return fresh
        }
        var changed: [Int] = []
        for var pr in followed {
            let commit = pr.mergedCommit!
            let covers: (String) -> Bool = { [repository] applied in
                applied == commit || ((try? repository.isAncestor(commit, of: applied)) ?? false)
            }
            let deployment: Deployment
            if let hosts = try? fleet(of: pr, at: commit) {
                deployment = Deployment.combine(
                    hosts.map { host, prims in
                        (
                            host.name,
                            Self.deployment(
                                of: commit, prims: prims, on: host, covers: covers, at: time, asking: report)
                        )
                    }, revision: commit, at: time)
            } else {
                guard let primd = configuration.primd, case .status(let status) = report(primd) else { continue }
                deployment = Deployment.derive(
                    revision: commit, prims: pr.prims, from: status, covers: covers, at: time)
            }
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

    /// One host's deployment of `commit`'s `prims`, from what its primd (at `control:`) reports.
    static func deployment(
        of commit: String, prims: [String], on host: PrimModel.Host, covers: (String) -> Bool, at time: Date,
        asking report: (PrimdClient) -> Promotion.Report
    ) -> Deployment {
        guard let url = host.control else {
            return .pending(
                commit, "\(StateLayout.Folder.hosts.file(host.name)) names no control: URL to ask its primd", at: time)
        }
        switch report(PrimdClient(url: url)) {
        case .status(let status):
            return Deployment.derive(revision: commit, prims: prims, from: status, covers: covers, at: time)
        case .unreachable(let why):
            return .pending(commit, "its primd cannot be asked: \(why)", at: time)
        case .notConfigured:
            return .pending(commit, "its primd watches no repository", at: time)
        }
    }

    /// The hosts that run the prims `pr` touches, with those prims, when the state at `commit`
    /// names more than one host and one of them a `control:` URL; nil for a single host (its
    /// primd is `--primd-url`). A PR that touches no deployed prim is followed on every host.
    func fleet(of pr: PullRequest, at commit: String) throws -> [(host: PrimModel.Host, prims: [String])]? {
        let state = try loaded(commit).result.state
        guard state.hosts.count > 1, state.hosts.contains(where: { $0.control != nil }) else { return nil }
        var grouped: [String: [String]] = [:]
        for id in pr.prims {
            guard let prim = state.prim(id), prim.isDeployed, let host = state.host(for: prim) else { continue }
            grouped[host.name, default: []].append(id)
        }
        let hosts = state.hosts.sorted { $0.name < $1.name }
        if grouped.isEmpty { return hosts.map { ($0, []) } }
        return hosts.compactMap { host in grouped[host.name].map { (host, $0.sorted()) } }
    }
}
