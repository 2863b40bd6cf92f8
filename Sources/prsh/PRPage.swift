import PRService
import PrimViews

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// pr.sh's page: every PR with its checks, approvals and deployment, newest first, rendered on
/// the server through PrimViews' templates (every value escaped), refreshing itself.
struct PRPage {
    struct CheckView {
        var name, status, tone, summary: String
    }
    struct DeploymentView {
        var state, tone, message: String
    }
    struct PRView {
        var number: Int
        var title, author, state, stateTone, approval, updated: String
        var prims: [String]
        var mergeProblem: String?
        var checks: [CheckView]
        var deployment: DeploymentView?
    }

    let title = "pr.sh"
    let subtitle = "pull requests"
    let generatedAt: String
    let refreshSeconds: Int
    let prs: [PRView]

    init(_ prs: [PullRequest], now: Date, refreshSeconds: Int = 10) {
        generatedAt = now.formatted(.iso8601)
        self.refreshSeconds = refreshSeconds
        self.prs = prs.sorted { $0.number > $1.number }.map { pr in
            PRView(
                number: pr.number, title: pr.title, author: pr.author, state: pr.state.rawValue,
                stateTone: pr.state == .merged ? "ok" : pr.state == .closed ? "none" : "warn",
                approval: Self.approval(pr), updated: pr.updatedAt.formatted(.iso8601), prims: pr.prims,
                mergeProblem: pr.mergeProblem,
                checks: pr.checks.map {
                    CheckView(
                        name: $0.name.rawValue, status: $0.status.rawValue,
                        tone: $0.status == .success ? "ok" : $0.status == .failure ? "bad" : "warn", summary: $0.summary
                    )
                },
                deployment: pr.deployment.map {
                    DeploymentView(
                        state: $0.state.rawValue, tone: $0.state == .live ? "ok" : $0.state.isFinal ? "bad" : "warn",
                        message: $0.message)
                })
        }
    }

    /// Who approved, or what the PR waits for.
    static func approval(_ pr: PullRequest) -> String {
        if let by = pr.approvedBy { return "approved by \(by)" }
        if let owners = pr.awaitedOwners, !owners.isEmpty {
            return "waits for the owners of \(owners.joined(separator: ", "))"
        }
        return pr.needsApproval
            ? "needs an operator's approval: \(pr.approvalReasons.joined(separator: "; "))" : "none needed"
    }

    func render() -> String { Page.render(self, template: "prs") }
}
