import Foundation
import PrimSystem
import XCTest

/// pr.sh's GitHub forge against scripts/github-contract-server — a FAKE of the GitHub REST
/// endpoints the forge uses (GitHub cannot be reached here) — and git's own http-backend standing
/// in for GitHub's git side (scripts/git-http-server). Both speak https with a certificate from a
/// private authority (`--github-ca-file`) and take the same token, as GitHub does.
final class PrshGitHubForgeTests: XCTestCase {
    /// The contract server and git's http-backend over https for `repo`, and pr.sh's GitHub forge on them.
    final class Fake {
        let apiURL: String
        let token = "ghs_contract_test_token"
        let authority: PrivateAuthority
        let prsh: PrshProcess
        let pids: [pid_t]
        let dir: String

        init(repo: StateRepository, prsh extra: [String] = []) throws {
            dir = Paths.temporaryDirectory("github-forge")
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            authority = try PrivateAuthority(in: dir)
            let tokenFile = "\(dir)/token"
            try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let apiPort = try freePort(), gitPort = try freePort()
            let api = Command.spawn(
                Paths.repo("scripts/github-contract-server"),
                ["\(apiPort)", "prim/state", repo.bare, token, authority.certificate, authority.key],
                stdout: "/dev/null", stderr: "/dev/null")
            let git = Command.spawn(
                Paths.repo("scripts/git-http-server"),
                [
                    "\(gitPort)", (repo.bare as NSString).deletingLastPathComponent, tokenFile, authority.certificate,
                    authority.key,
                ],
                stdout: "/dev/null", stderr: "/dev/null")
            pids = [api, git]
            waitForListener(apiPort)
            waitForListener(gitPort)
            apiURL = "https://localhost:\(apiPort)"
            prsh = try PrshProcess(
                repo: repo,
                extra: [
                    "--forge", "github", "--github-api", apiURL, "--github-repo", "prim/state",
                    "--github-git-url", "https://localhost:\(gitPort)/\((repo.bare as NSString).lastPathComponent)",
                    "--github-token-file", tokenFile, "--github-ca-file", authority.ca,
                ] + extra)
        }

        func stop() {
            _ = prsh.stop()
            for pid in pids { kill(pid, SIGTERM); _ = Command.wait(pid) }
            try? FileManager.default.removeItem(atPath: dir)
        }

        func pull(_ number: Int) throws -> [String: Any] {
            let response = try HTTPClient.request(
                "GET", "\(apiURL)/repos/prim/state/pulls/\(number)", headers: ["Authorization": "Bearer \(token)"],
                caFile: authority.ca)
            return try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
        }

        func calls() throws -> [[String: Any]] {
            try JSONSerialization.jsonObject(
                with: Data(try HTTPClient.request("GET", apiURL + "/_contract/log", caFile: authority.ca).body))
                as? [[String: Any]] ?? []
        }
    }

    func testGitHubForgeMirrorsPullRequestsOnTheRESTContractServer() throws {
        let repo = try StateRepository(files: ConvergedState.files())
        let fake = try Fake(repo: repo)
        defer { fake.stop() }
        let prsh = fake.prsh
        func pull(_ number: Int) throws -> [String: Any] { try fake.pull(number) }
        func calls() throws -> [[String: Any]] { try fake.calls() }
        func main() throws -> String { try GitRepository.open(repo.bare).branchHead("main")! }

        // A new prim: a branch pushed to "GitHub", a PR with label and statuses, main fast-forwarded to it.
        let added = try prsh.open(["state/prims/gamma.yaml": Prims.yaml("gamma", port: 3206)], title: "Add gamma")
        XCTAssertEqual(added.status, 201, added.message)
        XCTAssertEqual(added.state, "merged")
        XCTAssertEqual(added.json["pr_url"] as? String, "https://github.com/prim/state/pull/1")
        let head = try XCTUnwrap(added.json["head"] as? String)
        XCTAssertEqual(try main(), head, "main moved by a plain (never forced) push")
        let first = try pull(1)
        XCTAssertEqual((first["head"] as? [String: Any])?["ref"] as? String, added.json["branch"] as? String)
        XCTAssertEqual(first["labels"] as? [String], ["agent-pr"])
        XCTAssertEqual(first["merged"] as? Bool, true, "GitHub sees the PR's head on main")
        let log = try calls()
        XCTAssertEqual(
            log.map { "\($0["method"]!) \($0["path"]!)" },
            [
                "POST /pulls", "POST /issues/1/labels", "POST /statuses/\(head)", "POST /statuses/\(head)",
                "POST /issues/1/comments",
            ])
        XCTAssertEqual(
            log.compactMap { ($0["body"] as? [String: Any])?["context"] as? String }, ["pr.sh/validate", "pr.sh/plan"])
        XCTAssertTrue(
            log.allSatisfy {
                $0["accept"] as? String == "application/vnd.github+json" && $0["api_version"] as? String == "2022-11-28"
            })

        // A live prim waits; main moves meanwhile; approval re-applies the manifest on the new main,
        // and the PR (whose own head never reached main) is commented on and closed.
        let change = try prsh.open([
            "state/prims/alpha.yaml": Prims.yaml("alpha", port: 3201, status: "live", description: "v2")
        ])
        XCTAssertEqual(change.state, "open", change.message)
        XCTAssertEqual(change.json["pr_url"] as? String, "https://github.com/prim/state/pull/2")
        let moved = try repo.commit(
            ["prims/beta.yaml": "id: beta\nname: beta.sh\ndescription: moved\nstatus: testing\nport: 3202\n"],
            message: "beta by hand")
        let approved = try prsh.request("POST", "/v1/pr/\(change.number!)/approve", token: PrshProcess.operatorToken)
        XCTAssertEqual(approved.state, "merged", approved.message)
        let merged = try XCTUnwrap(approved.json["merged_commit"] as? String)
        XCTAssertEqual(try main(), merged)
        XCTAssertTrue(try GitRepository.open(repo.bare).isAncestor(moved, of: merged))
        let second = try pull(2)
        XCTAssertEqual(second["state"] as? String, "closed")
        XCTAssertTrue(
            (second["comments"] as? [String])?.contains { $0.contains("merged as \(merged.prefix(12))") } ?? false,
            "\(second)")
        XCTAssertEqual(approved.json["forge_problem"] as? String, nil)
    }

    /// What became of a merge reaches GitHub: a commit status `pr.sh/deployment` on the merged
    /// commit and a comment, from a real primd's status.
    func testDeploymentIsACommitStatusAndACommentOnGitHub() throws {
        let testbed = try Testbed.up()
        defer { testbed.down() }
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "forge").status, 0)
        let repo = try StateRepository(files: ConvergedState.files())
        let primd = try PrimdProcess(testbed: testbed, repo: "file://\(repo.bare)")
        defer { _ = primd.stop() }
        primd.waitFor("the first revision to be applied") { primd.status()?["last_applied_revision"] as? String != nil }
        let fake = try Fake(repo: repo, prsh: ["--primd-url", primd.url, "--follow-interval", "1"])
        defer { fake.stop() }

        let added = try fake.prsh.open(["state/prims/gamma.yaml": Prims.yaml("gamma", port: 3206)], title: "Add gamma")
        XCTAssertEqual(added.state, "merged", added.message)
        let merged = try XCTUnwrap(added.json["merged_commit"] as? String)
        var deployment: [String: Any] = [:]
        primd.waitFor("the deployment status on GitHub", timeout: 40) {
            deployment =
                ((try? fake.calls()) ?? []).last {
                    ($0["body"] as? [String: Any])?["context"] as? String == "pr.sh/deployment"
                        && ($0["body"] as? [String: Any])?["state"] as? String != "pending"
                } ?? [:]
            return !deployment.isEmpty
        }
        XCTAssertEqual(deployment["path"] as? String, "/statuses/\(merged)")
        let body = try XCTUnwrap(deployment["body"] as? [String: Any])
        XCTAssertEqual(body["state"] as? String, "success", "\(body)")
        XCTAssertTrue((body["description"] as? String ?? "").hasPrefix("deployment live:"), "\(body)")
        let comments = try fake.pull(1)["comments"] as? [String] ?? []
        XCTAssertTrue(comments.contains { $0.hasPrefix("pr.sh: deployment live:") }, "\(comments)")
        // Before it was live, GitHub saw it pending.
        XCTAssertTrue(
            try fake.calls().contains {
                ($0["body"] as? [String: Any])?["context"] as? String == "pr.sh/deployment"
                    && ($0["body"] as? [String: Any])?["state"] as? String == "pending"
            })
    }
}
