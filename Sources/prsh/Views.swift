import Foundation
import PRService

/// The JSON shapes pr.sh answers with (snake_case, as DESIGN.md's contract).
enum Views {
    static func pullRequest(_ pr: PullRequest, url: String) -> [String: Any] {
        var view: [String: Any] = [
            "pr_number": pr.number, "pr_url": url, "branch": pr.branch, "state": pr.state.rawValue,
            "title": pr.title, "body": pr.body, "labels": pr.labels, "author": pr.author, "prims": pr.prims,
            "paths": pr.paths, "base": pr.base, "head": pr.head,
            "checks": pr.checks.map { check in
                [
                    "name": check.name.rawValue, "status": check.status.rawValue, "summary": check.summary,
                    "details": check.details, "base": check.base, "at": iso(check.at),
                ] as [String: Any]
            },
            "green": pr.isGreen,
            "plan_summary": pr.checks.first { $0.name == .plan }?.summary ?? NSNull(),
            "diagnostics": pr.checks.first { $0.name == .validate && $0.status == .failure }?.details ?? [],
            "needs_approval": pr.needsApproval, "approval_reasons": pr.approvalReasons,
            "awaited_owners": pr.awaitedOwners ?? [], "owner_approvals": pr.ownerApprovals ?? [],
            "approved_by": pr.approvedBy ?? NSNull(), "merged_commit": pr.mergedCommit ?? NSNull(),
            "merge_problem": pr.mergeProblem ?? NSNull(),
            "forge_problem": pr.forgeProblem ?? NSNull(),
            "comments": pr.comments.map { ["author": $0.author, "body": $0.body, "at": iso($0.at)] },
            "created_at": iso(pr.createdAt), "updated_at": iso(pr.updatedAt),
        ]
        if pr.state == .merged { view["needs_approval"] = false }
        view["deployment"] = pr.deployment.map(deployment) ?? NSNull()
        return view
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// The deployment as JSON objects (snake_case, like the rest).
    static func deployment(_ deployment: Deployment) -> Any {
        guard let data = try? encoder.encode(deployment), let object = try? JSONSerialization.jsonObject(with: data)
        else { return NSNull() }
        return object
    }

    /// A manifest that main already holds: no PR was opened and nothing was committed.
    static func unchanged(main: String, mergedBy: Int?) -> [String: Any] {
        [
            "state": "unchanged", "changed": false, "main": main, "pr_number": mergedBy ?? NSNull(),
            "message": "main already holds exactly these files; no PR was opened",
        ]
    }

    static func error(_ error: ServiceError) -> [String: Any] {
        var body: [String: Any] = ["code": error.code.rawValue, "message": error.message]
        if let field = error.field { body["field"] = field }
        if !error.diagnostics.isEmpty { body["diagnostics"] = error.diagnostics }
        if let number = error.pullRequest { body["pr_number"] = number }
        if let seconds = error.retryAfter { body["retry_after"] = seconds }
        return ["error": body]
    }

    static func json(_ object: Any) -> String {
        let data =
            (try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
