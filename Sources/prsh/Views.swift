import Foundation
import PRService
import PrimModel

/// The JSON shapes pr.sh answers with (snake_case, as DESIGN.md's contract), encoded by `PrimJSON`.
/// A field the contract lists is always there: an absent value is `null`, not a missing key.
enum Views {
    struct PullRequestView: Encodable {
        struct CheckView: Encodable {
            var name, status, summary: String
            var details: [String]
            var base: String
            var at: Date
        }
        struct CommentView: Encodable {
            var author, body: String
            var at: Date
        }

        var prNumber: Int
        var prUrl, branch, state, title, body: String
        var labels: [String]
        var author: String
        var prims, paths: [String]
        var base, head: String
        var checks: [CheckView]
        var green: Bool
        var planSummary: String?
        var diagnostics: [String]
        var needsApproval: Bool
        var approvalReasons, awaitedOwners, ownerApprovals: [String]
        var approvedBy, mergedCommit, mergeProblem, forgeProblem: String?
        var comments: [CommentView]
        var createdAt, updatedAt: Date
        var deployment: Deployment?
        /// Only on an answer that found the same files already an open PR.
        var duplicate: Bool?

        enum CodingKeys: String, CodingKey {
            case prNumber, prUrl, branch, state, title, body, labels, author, prims, paths, base, head, checks
            case green, planSummary, diagnostics, needsApproval, approvalReasons, awaitedOwners, ownerApprovals
            case approvedBy, mergedCommit, mergeProblem, forgeProblem, comments, createdAt, updatedAt, deployment
            case duplicate
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(prNumber, forKey: .prNumber)
            try c.encode(prUrl, forKey: .prUrl)
            try c.encode(branch, forKey: .branch)
            try c.encode(state, forKey: .state)
            try c.encode(title, forKey: .title)
            try c.encode(body, forKey: .body)
            try c.encode(labels, forKey: .labels)
            try c.encode(author, forKey: .author)
            try c.encode(prims, forKey: .prims)
            try c.encode(paths, forKey: .paths)
            try c.encode(base, forKey: .base)
            try c.encode(head, forKey: .head)
            try c.encode(checks, forKey: .checks)
            try c.encode(green, forKey: .green)
            try c.encode(planSummary, forKey: .planSummary)
            try c.encode(diagnostics, forKey: .diagnostics)
            try c.encode(needsApproval, forKey: .needsApproval)
            try c.encode(approvalReasons, forKey: .approvalReasons)
            try c.encode(awaitedOwners, forKey: .awaitedOwners)
            try c.encode(ownerApprovals, forKey: .ownerApprovals)
            try c.encode(approvedBy, forKey: .approvedBy)
            try c.encode(mergedCommit, forKey: .mergedCommit)
            try c.encode(mergeProblem, forKey: .mergeProblem)
            try c.encode(forgeProblem, forKey: .forgeProblem)
            try c.encode(comments, forKey: .comments)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encode(updatedAt, forKey: .updatedAt)
            try c.encode(deployment, forKey: .deployment)
            try c.encodeIfPresent(duplicate, forKey: .duplicate)
        }
    }

    static func pullRequest(_ pr: PullRequest, url: String) -> PullRequestView {
        PullRequestView(
            prNumber: pr.number, prUrl: url, branch: pr.branch, state: pr.state.rawValue, title: pr.title,
            body: pr.body, labels: pr.labels, author: pr.author, prims: pr.prims, paths: pr.paths, base: pr.base,
            head: pr.head,
            checks: pr.checks.map {
                .init(
                    name: $0.name.rawValue, status: $0.status.rawValue, summary: $0.summary, details: $0.details,
                    base: $0.base, at: $0.at)
            },
            green: pr.isGreen, planSummary: pr.checks.first { $0.name == .plan }?.summary,
            diagnostics: pr.checks.first { $0.name == .validate && $0.status == .failure }?.details ?? [],
            needsApproval: pr.state == .merged ? false : pr.needsApproval, approvalReasons: pr.approvalReasons,
            awaitedOwners: pr.awaitedOwners ?? [], ownerApprovals: pr.ownerApprovals ?? [],
            approvedBy: pr.approvedBy, mergedCommit: pr.mergedCommit, mergeProblem: pr.mergeProblem,
            forgeProblem: pr.forgeProblem,
            comments: pr.comments.map { .init(author: $0.author, body: $0.body, at: $0.at) },
            createdAt: pr.createdAt, updatedAt: pr.updatedAt, deployment: pr.deployment)
    }

    struct PullRequests: Encodable { var pullRequests: [PullRequestView] }

    struct Recipients: Encodable {
        struct Host: Encodable {
            var host: String
            var recipients: [String]
        }
        var hosts: [Host]
    }

    struct Service: Encodable {
        var service = "pr.sh"
        var status = "ok"
    }

    /// A manifest that main already holds: no PR was opened and nothing was committed.
    struct Unchanged: Encodable {
        var state = "unchanged"
        var changed = false
        var main: String
        var prNumber: Int?
        var message = "main already holds exactly these files; no PR was opened"

        enum CodingKeys: String, CodingKey { case state, changed, main, prNumber, message }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(state, forKey: .state)
            try c.encode(changed, forKey: .changed)
            try c.encode(main, forKey: .main)
            try c.encode(prNumber, forKey: .prNumber)
            try c.encode(message, forKey: .message)
        }
    }

    static func unchanged(main: String, mergedBy: Int?) -> Unchanged { Unchanged(main: main, prNumber: mergedBy) }

    struct Failure: Encodable {
        struct Detail: Encodable {
            var code, message: String
            var field: String?
            var diagnostics: [String]?
            var prNumber: Int?
            var retryAfter: Int?

            enum CodingKeys: String, CodingKey { case code, message, field, diagnostics, prNumber, retryAfter }

            /// `field` is always there (`null` when no one field is at fault), as llms.txt lists it.
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(code, forKey: .code)
                try c.encode(message, forKey: .message)
                try c.encode(field, forKey: .field)
                try c.encodeIfPresent(diagnostics, forKey: .diagnostics)
                try c.encodeIfPresent(prNumber, forKey: .prNumber)
                try c.encodeIfPresent(retryAfter, forKey: .retryAfter)
            }
        }
        var error: Detail
    }

    static func error(_ error: ServiceError) -> Failure {
        Failure(
            error: .init(
                code: error.code.rawValue, message: error.message, field: error.field,
                diagnostics: error.diagnostics.isEmpty ? nil : error.diagnostics, prNumber: error.pullRequest,
                retryAfter: error.retryAfter))
    }
}
