import Foundation
import PRService
import PrimModel

/// The JSON shapes pr.sh answers with (snake_case, as DESIGN.md's contract), encoded by `PrimJSON`.
/// A field the contract lists is always there: an absent value is `null` (`WritesNull`), not a
/// missing key.
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
        @WritesNull var planSummary: String?
        var diagnostics: [String]
        var needsApproval: Bool
        var approvalReasons, awaitedOwners, ownerApprovals: [String]
        @WritesNull var approvedBy: String?
        @WritesNull var mergedCommit: String?
        @WritesNull var mergeProblem: String?
        @WritesNull var forgeProblem: String?
        var comments: [CommentView]
        var createdAt, updatedAt: Date
        @WritesNull var deployment: Deployment?
        /// Only on an answer that found the same files already an open PR.
        var duplicate: Bool?
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
        @WritesNull var prNumber: Int?
        var message = "main already holds exactly these files; no PR was opened"
    }

    static func unchanged(main: String, mergedBy: Int?) -> Unchanged { Unchanged(main: main, prNumber: mergedBy) }

    struct Failure: Encodable {
        struct Detail: Encodable {
            var code, message: String
            /// Always there (`null` when no one field is at fault), as llms.txt lists it.
            @WritesNull var field: String?
            var diagnostics: [String]?
            var prNumber: Int?
            var retryAfter: Int?
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
