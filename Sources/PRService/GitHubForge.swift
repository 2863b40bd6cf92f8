import Foundation
import PrimSystem

/// A repository on GitHub. Git objects and refs travel over git (libgit2, token auth; a push
/// is never forced, so GitHub refuses anything but a fast-forward of main); pull requests,
/// labels, commit statuses and comments go through GitHub's REST API over libcurl.
///
/// REST endpoints used (GitHub REST API 2022-11-28):
///   POST  /repos/{owner}/{repo}/pulls                   open the PR (title, head, base, body)
///   POST  /repos/{owner}/{repo}/issues/{n}/labels       labels (agent-pr, the agent's own)
///   POST  /repos/{owner}/{repo}/statuses/{sha}          one status per check (pr.sh/validate, pr.sh/plan, pr.sh/promotion),
///                                                       and pr.sh/deployment on the merged commit
///   POST  /repos/{owner}/{repo}/issues/{n}/comments     pr.sh's comments (conflicts, approval, close reasons)
///   PATCH /repos/{owner}/{repo}/pulls/{n}               close (state: closed)
/// A PR whose head commit lands on main is marked merged by GitHub itself.
public final class GitHubForge: Forge {
    public struct Settings: Sendable {
        /// `https://api.github.com`.
        public var api: String
        /// `owner/name`.
        public var slug: String
        /// The git URL (`https://github.com/owner/name.git`).
        public var gitURL: String
        public var token: String
        public var branch: String
        /// A PEM file of the authorities the API's and the git server's certificates must chain to,
        /// in place of the system's bundle (GitHub Enterprise behind a private authority).
        public var caFile: String?

        public init(api: String, slug: String, gitURL: String, token: String, branch: String, caFile: String? = nil) {
            self.api = api
            self.slug = slug
            self.gitURL = gitURL
            self.token = token
            self.branch = branch
            self.caFile = caFile
        }
    }

    public let repository: GitRepository
    let settings: Settings

    /// `cache` is a bare repository pr.sh keeps in its data dir, following GitHub's branches.
    public init(_ settings: Settings, cache: String) throws {
        self.settings = settings
        repository = try GitRepository.openOrCreateBare(cache)
        try sync()
    }

    public func sync() throws {
        try trustAuthorities()
        try repository.fetch(settings.gitURL, token: settings.token)
    }

    func trustAuthorities() throws {
        if let file = settings.caFile { try GitRepository.trustCertificateAuthorities(inFile: file) }
    }

    public func createBranch(_ name: String, at commit: String) throws {
        try repository.createBranch(name, at: commit, message: "pr.sh: open")
        try trustAuthorities()
        try repository.push(settings.gitURL, refspecs: ["refs/heads/\(name):refs/heads/\(name)"], token: settings.token)
    }

    public func fastForward(_ branch: String, from old: String, to new: String) throws {
        let ref = "refs/heads/\(branch)"
        guard try repository.branchHead(branch) == old else {
            throw GitRepository.RefRefusal.moved(ref: ref, expected: old, actual: try repository.branchHead(branch))
        }
        guard try repository.isAncestor(old, of: new) else { throw GitRepository.RefRefusal.notFastForward(ref: ref) }
        try repository.setCacheReference("refs/prsh/merge", to: new)
        try trustAuthorities()
        do {
            try repository.push(settings.gitURL, refspecs: ["refs/prsh/merge:\(ref)"], token: settings.token)
        } catch GitRepository.RefRefusal.rejected {
            try sync()
            throw GitRepository.RefRefusal.moved(ref: ref, expected: old, actual: try repository.branchHead(branch))
        }
        try repository.setCacheReference(ref, to: new)
    }

    public func publish(_ pr: inout PullRequest, previous: PullRequest?) throws {
        let isNew = previous?.forge == nil
        // A record whose last mirroring failed is mirrored again (labels and statuses are idempotent on GitHub).
        let retry = previous?.forgeProblem != nil
        if pr.forge == nil {
            let created = try call(
                "POST", "/pulls",
                [
                    "title": pr.title, "head": pr.branch, "base": settings.branch,
                    "body": pr.body.isEmpty ? "Opened through pr.sh by \(pr.author)." : pr.body,
                ], expect: 201)
            guard let number = created["number"] as? Int, let url = created["html_url"] as? String else {
                throw SystemError("GitHub answered POST /pulls without number and html_url", class: .transient)
            }
            pr.forge = ForgeLink(number: number, url: url)
        }
        guard let link = pr.forge else { return }
        if isNew || retry {
            _ = try call("POST", "/issues/\(link.number)/labels", ["labels": pr.labels], expect: 200)
        }
        if isNew || retry || previous?.checks != pr.checks {
            for check in pr.checks {
                _ = try call(
                    "POST", "/statuses/\(pr.head)",
                    [
                        "state": check.status.rawValue,
                        "context": "pr.sh/\(check.name.rawValue)",
                        "description": String(check.summary.prefix(140)),
                    ], expect: 201)
            }
        }
        if let deployment = pr.deployment, isNew || retry || previous?.deployment?.state != deployment.state {
            _ = try call(
                "POST", "/statuses/\(deployment.revision)",
                [
                    "state": Self.statusState(deployment.state),
                    "context": "pr.sh/deployment",
                    "description": String(deployment.summary.prefix(140)),
                ], expect: 201)
        }
        let posted = isNew ? 0 : (previous?.comments.count ?? 0)
        for comment in pr.comments.dropFirst(posted) {
            _ = try call(
                "POST", "/issues/\(link.number)/comments", ["body": "\(comment.author): \(comment.body)"], expect: 201)
        }
        let wasOpen = previous?.state ?? .open == .open
        if wasOpen && pr.state == .closed || (wasOpen && pr.state == .merged && pr.mergedCommit != pr.head) {
            _ = try call("PATCH", "/pulls/\(link.number)", ["state": "closed"], expect: 200)
        }
    }

    /// A deployment state as a GitHub commit status: pending, success or failure.
    static func statusState(_ state: Deployment.State) -> String {
        switch state {
        case .pending: return "pending"
        case .live: return "success"
        case .rolledBack, .failed, .blocked: return "failure"
        }
    }

    func call(_ method: String, _ path: String, _ body: [String: Any], expect: Int) throws -> [String: Any] {
        let bytes = Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
        let response = try HTTPClient.request(
            method, "\(settings.api)/repos/\(settings.slug)\(path)",
            headers: [
                "Accept": "application/vnd.github+json",
                "Authorization": "Bearer \(settings.token)",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "prim-prsh",
                "Content-Type": "application/json",
            ], body: bytes, timeout: 15, caFile: settings.caFile)
        guard response.status == expect else {
            let message =
                (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["message"] as? String
            throw SystemError(
                "GitHub \(method) \(path) answered \(response.status)\(message.map { ": \($0)" } ?? "")",
                class: .transient)
        }
        return (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
    }
}
