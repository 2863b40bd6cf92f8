import Foundation
import PrimSystem

/// The merge gate: a green, approved PR squashed onto main as a fast-forward, laid over a main
/// that moved unless a file it writes changed there too.
extension PRService {
    public func merge(_ number: Int, by caller: Caller) throws -> PullRequest {
        var pr = try openPullRequest(number)
        try authorize(caller, for: pr, action: .merge)
        try forge.sync()
        try merge(&pr, by: caller)
        return pr
    }

    /// Squashes the PR onto main as a fast-forward. When main moved, the manifest is laid over
    /// the new main (a file also changed there is a conflict, reported, never overwritten).
    func merge(_ pr: inout PullRequest, by caller: Caller) throws {
        for _ in 0..<3 {
            try refresh(&pr)
            let main = try mainHead()
            guard !pr.needsApproval else {
                throw ServiceError(.forbidden, "PR #\(pr.number) needs approval: \(approvalWaits(pr))", field: "number")
            }
            guard pr.isGreen else {
                let failed = pr.checks.filter { $0.status == .failure }.map { "\($0.name): \($0.summary)" }
                let waiting = pr.checks.filter { $0.status == .pending }.map { "\($0.name): \($0.summary)" }
                if failed.isEmpty {
                    throw ServiceError(
                        .conflict,
                        "PR #\(pr.number) cannot merge yet: checks are pending on main \(main.prefix(12)) (\(waiting.joined(separator: "; "))); pr.sh re-checks them and merges when they pass",
                        field: "checks")
                }
                throw ServiceError(
                    .conflict,
                    "PR #\(pr.number) cannot merge: its checks failed on main \(main.prefix(12)) (\(failed.joined(separator: "; ")))",
                    field: "checks")
            }
            var target = pr.head
            if main != pr.base {
                let manifest = try manifest(of: pr)
                let conflicts = try conflictingPaths(pr, manifest: manifest, main: main)
                guard conflicts.isEmpty else {
                    let problem =
                        "\(conflicts.joined(separator: ", ")) changed on main since this PR was opened; send a new manifest based on the current files"
                    pr.mergeProblem = problem
                    pr.updatedAt = now()
                    pr.comments.append(.init(author: "pr.sh", body: "merge conflict: \(problem)", at: pr.updatedAt))
                    try save(&pr)
                    var error = ServiceError(
                        .conflict, "PR #\(pr.number) conflicts with main: \(problem)", field: conflicts.first)
                    error.pullRequest = pr.number
                    throw error
                }
                target = try commit(manifest, onto: main, message: commitMessage(of: pr), wallet: pr.author, at: now())
            }
            do {
                try forge.fastForward(configuration.branch, from: main, to: target)
            } catch GitRepository.RefRefusal.moved {
                continue
            }
            states.merged(base: main, manifest: { try? manifest(of: pr).contentHash }, as: target)
            pr.state = .merged
            pr.mergedCommit = target
            pr.mergeProblem = nil
            pr.updatedAt = now()
            pr.comments.append(.init(author: caller.name, body: "merged as \(target.prefix(12))", at: pr.updatedAt))
            if configuration.primd != nil {
                pr.deployment = Deployment(
                    state: .pending, revision: target,
                    message: "merged; waiting for primd to apply \(target.prefix(12))",
                    updatedAt: pr.updatedAt)
            }
            try save(&pr)
            onMerge(target)
            return
        }
        throw ServiceError(.conflict, "main kept moving while PR #\(pr.number) was merging; try again", field: "number")
    }

    /// The files an open PR writes that differ from main: what it really changes (files it
    /// sends unchanged do not count against other PRs).
    func changedPaths(of pr: PullRequest, main: String) throws -> Set<String> {
        Set(try pr.paths.filter { try repository.file($0, at: pr.head) != repository.file($0, at: main) })
    }

    /// The PR's files that changed on main since its base, to something other than what the PR
    /// writes; and files main now holds as a folder, or under a name main now holds as a file
    /// (writing them would drop one or the other).
    func conflictingPaths(_ pr: PullRequest, manifest: Manifest, main: String) throws -> [String] {
        var conflicts: [String] = []
        for file in manifest.files {
            let before = try repository.file(file.path, at: pr.base)
            let now = try repository.file(file.path, at: main)
            let parts = file.path.split(separator: "/")
            let prefixes = (1..<max(1, parts.count)).map { parts.prefix($0).joined(separator: "/") }
            if before != now, now != Array(file.content.utf8) {
                conflicts.append(file.path)
            } else if try repository.entryKind(file.path, at: main) == .directory
                || prefixes.contains(where: { try repository.entryKind($0, at: main) == .file })
            {
                conflicts.append(file.path)
            }
        }
        return conflicts
    }
}
