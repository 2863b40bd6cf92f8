import Foundation
import PrimSystem
import XCTest

/// pr.sh's GitHub forge against scripts/github-contract-server — a FAKE of the GitHub REST
/// endpoints the forge uses (GitHub cannot be reached here) — and git's own http-backend standing
/// in for GitHub's git side (scripts/git-http-server). Both speak https with a certificate from a
/// private authority (`--github-ca-file`) and take the same token, as GitHub does.
final class PrshGitHubForgeTests: XCTestCase {
    func testGitHubForgeMirrorsPullRequestsOnTheRESTContractServer() throws {
        let repo = try StateRepository(files: ConvergedState.files())
        let dir = Paths.temporaryDirectory("github-forge")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let authority = try PrivateAuthority(in: dir)
        let token = "ghs_contract_test_token"
        let tokenFile = "\(dir)/token"
        try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let apiPort = try freePort(), gitPort = try freePort()
        let api = Command.spawn(Paths.repo("scripts/github-contract-server"),
                                ["\(apiPort)", "prim/state", repo.bare, token, authority.certificate, authority.key],
                                stdout: "/dev/null", stderr: "/dev/null")
        defer { kill(api, SIGTERM); _ = Command.wait(api) }
        let git = Command.spawn(Paths.repo("scripts/git-http-server"),
                                ["\(gitPort)", (repo.bare as NSString).deletingLastPathComponent, tokenFile, authority.certificate, authority.key],
                                stdout: "/dev/null", stderr: "/dev/null")
        defer { kill(git, SIGTERM); _ = Command.wait(git) }
        waitForListener(apiPort)
        waitForListener(gitPort)
        let apiURL = "https://localhost:\(apiPort)"

        let prsh = try PrshProcess(repo: repo, extra: [
            "--forge", "github", "--github-api", apiURL, "--github-repo", "prim/state",
            "--github-git-url", "https://localhost:\(gitPort)/\((repo.bare as NSString).lastPathComponent)",
            "--github-token-file", tokenFile, "--github-ca-file", authority.ca])
        defer { _ = prsh.stop() }
        func pull(_ number: Int) throws -> [String: Any] {
            let response = try HTTPClient.request("GET", "\(apiURL)/repos/prim/state/pulls/\(number)", headers: ["Authorization": "Bearer \(token)"],
                                                  caFile: authority.ca)
            return try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
        }
        func calls() throws -> [[String: Any]] {
            try JSONSerialization.jsonObject(with: Data(try HTTPClient.request("GET", apiURL + "/_contract/log", caFile: authority.ca).body)) as? [[String: Any]] ?? []
        }
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
        XCTAssertEqual(log.map { "\($0["method"]!) \($0["path"]!)" }, [
            "POST /pulls", "POST /issues/1/labels", "POST /statuses/\(head)", "POST /statuses/\(head)", "POST /issues/1/comments",
        ])
        XCTAssertEqual(log.compactMap { ($0["body"] as? [String: Any])?["context"] as? String }, ["pr.sh/validate", "pr.sh/plan"])
        XCTAssertTrue(log.allSatisfy { $0["accept"] as? String == "application/vnd.github+json" && $0["api_version"] as? String == "2022-11-28" })

        // A live prim waits; main moves meanwhile; approval re-applies the manifest on the new main,
        // and the PR (whose own head never reached main) is commented on and closed.
        let change = try prsh.open(["state/prims/alpha.yaml": Prims.yaml("alpha", port: 3201, status: "live", description: "v2")])
        XCTAssertEqual(change.state, "open", change.message)
        XCTAssertEqual(change.json["pr_url"] as? String, "https://github.com/prim/state/pull/2")
        let moved = try repo.commit(["prims/beta.yaml": "id: beta\nname: beta.sh\ndescription: moved\nstatus: testing\nport: 3202\n"], message: "beta by hand")
        let approved = try prsh.request("POST", "/v1/pr/\(change.number!)/approve", token: PrshProcess.operatorToken)
        XCTAssertEqual(approved.state, "merged", approved.message)
        let merged = try XCTUnwrap(approved.json["merged_commit"] as? String)
        XCTAssertEqual(try main(), merged)
        XCTAssertTrue(try GitRepository.open(repo.bare).isAncestor(moved, of: merged))
        let second = try pull(2)
        XCTAssertEqual(second["state"] as? String, "closed")
        XCTAssertTrue((second["comments"] as? [String])?.contains { $0.contains("merged as \(merged.prefix(12))") } ?? false, "\(second)")
        XCTAssertEqual(approved.json["forge_problem"] as? String, nil)
    }
}
