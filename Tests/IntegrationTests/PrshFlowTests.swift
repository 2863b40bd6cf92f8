import Foundation
import PRService
import PrimHost
import PrimSigning
import PrimSystem
import XCTest

/// pr.sh's life cycle against a real bare repository: policy, approval, main moving under a PR,
/// conflicts, flood control, restarts and signed merges.
final class PrshFlowTests: XCTestCase {
    var repo: StateRepository!
    var prsh: PrshProcess?

    override func setUpWithError() throws {
        var files = ConvergedState.files()
        files["policy.yaml"] = "rate_limits: { per_hour: 4, per_day: 50 }\ncooldown_after_red: 2\n"
        repo = try StateRepository(files: files)
    }

    override func tearDown() {
        if let prsh { _ = prsh.stop() }
        repo = nil
    }

    func start(_ extra: [String] = [], dataDir: String? = nil) throws -> PrshProcess {
        let process = try PrshProcess(repo: repo, dataDir: dataDir, extra: extra)
        prsh = process
        return process
    }

    func main() throws -> String { try GitRepository.open(repo.bare).branchHead("main")! }

    func file(_ path: String, at commit: String) throws -> String? {
        try GitRepository.open(repo.bare).file(path, at: commit).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A prim already blocked on main (a key with no source) does not turn others' PRs red, but a PR
    /// that makes it live does, with the key and the ways to supply it.
    func testAPRThatTurnsAPrimLiveWithoutASourceForItsKeyIsRed() throws {
        let gamma = Prims.yaml("gamma", port: 3206).replacingOccurrences(
            of: "status: testing\n", with: "status: testing\nenv: [GAMMA_KEY]\n")
        try repo.commit(["prims/gamma.yaml": gamma], message: "gamma, its key to come")
        let prsh = try start()
        // Blocked on main already: an unrelated PR stays green.
        let other = try prsh.open(["state/prims/delta.yaml": Prims.yaml("delta", port: 3207)], title: "Add delta")
        XCTAssertEqual(other.state, "merged", other.message)
        // Making it live without a source for its key is red, and says how to supply one.
        let live = try prsh.open(
            ["state/prims/gamma.yaml": gamma.replacingOccurrences(of: "status: testing", with: "status: live")],
            title: "gamma goes live")
        let plan = (live.json["checks"] as? [[String: Any]])?.first { $0["name"] as? String == "plan" }
        XCTAssertEqual(plan?["status"] as? String, "failure", live.message)
        let details = (plan?["details"] as? [String] ?? []).joined(separator: "\n")
        XCTAssertTrue(
            details.contains("env GAMMA_KEY has no value")
                && details.contains("primctl secret encrypt GAMMA_KEY --prims gamma"), details)
        XCTAssertFalse(details.contains("(already so on main)"), details)
    }

    func testNewPrimMergesOnGreenAndALivePrimWaitsForApproval() throws {
        let prsh = try start()
        let before = try main()
        let added = try prsh.open(["state/prims/gamma.yaml": Prims.yaml("gamma", port: 3206)], title: "Add gamma")
        XCTAssertEqual(added.status, 201, added.message)
        XCTAssertEqual(added.state, "merged")
        XCTAssertEqual(added.json["labels"] as? [String], ["agent-pr"])
        XCTAssertEqual(added.json["plan_summary"] as? String, "Plan: 4 to add, 1 to change, 0 to destroy.")
        let branch = try XCTUnwrap(added.json["branch"] as? String)
        XCTAssertTrue(branch.hasPrefix("agent/gamma-"), branch)
        let merged = try main()
        XCTAssertEqual(merged, added.json["merged_commit"] as? String)
        XCTAssertTrue(try GitRepository.open(repo.bare).isAncestor(before, of: merged), "a fast-forward, not a rewrite")
        XCTAssertEqual(
            try repo.git(["-C", repo.bare, "rev-list", "--count", "\(before)..main"]).stdout.trimmingCharacters(
                in: .whitespacesAndNewlines), "1")
        XCTAssertEqual(
            try repo.git(["-C", repo.bare, "log", "-1", "--format=%an", "main"]).stdout.trimmingCharacters(
                in: .whitespacesAndNewlines), Wallets.alice)

        // alpha is live: the PR opens, green, and waits.
        let change = try prsh.open(
            ["state/prims/alpha.yaml": Prims.yaml("alpha", port: 3201, status: "live", description: "faster")],
            wallet: Wallets.bob)
        XCTAssertEqual(change.status, 201, change.message)
        XCTAssertEqual(change.state, "open")
        XCTAssertEqual(change.json["green"] as? Bool, true)
        XCTAssertEqual(
            change.json["approval_reasons"] as? [String],
            [
                "it changes prim 'alpha', which receives secret API_KEY: its code or command could send it anywhere (rule secret-holder)",
                "prim 'alpha' is live",
                "prim 'alpha' has no owner on record (it is the operator's); an operator approves changes to it",
            ])
        let number = try XCTUnwrap(change.number)
        XCTAssertEqual(try main(), merged)

        let byAuthor = try prsh.request("POST", "/v1/pr/\(number)/merge", wallet: Wallets.bob)
        XCTAssertEqual(byAuthor.status, 403)
        XCTAssertTrue(byAuthor.message.contains("needs approval"), byAuthor.message)
        let byStranger = try prsh.request("POST", "/v1/pr/\(number)/merge", wallet: Wallets.carol)
        XCTAssertEqual(byStranger.status, 403)
        let noToken = try prsh.request("POST", "/v1/pr/\(number)/approve", wallet: Wallets.bob)
        XCTAssertEqual(noToken.status, 403)
        XCTAssertTrue(noToken.message.contains("or an operator may approve it"), noToken.message)
        let wrongToken = try prsh.request("POST", "/v1/pr/\(number)/approve", token: "guess")
        XCTAssertEqual(wrongToken.status, 403)
        XCTAssertEqual(try main(), merged, "refused merges and approvals move nothing")

        let approved = try prsh.request("POST", "/v1/pr/\(number)/approve", token: PrshProcess.operatorToken)
        XCTAssertEqual(approved.status, 200, approved.message)
        XCTAssertEqual(approved.state, "merged")
        XCTAssertEqual(approved.json["approved_by"] as? String, "operator")
        XCTAssertTrue(try file("state/prims/alpha.yaml", at: try main())?.contains("faster") ?? false)

        let list = try prsh.request("GET", "/v1/prs?state=merged")
        XCTAssertEqual((list.json["pull_requests"] as? [[String: Any]])?.count, 2)
        XCTAssertEqual(try prsh.request("GET", "/v1/pr/99").status, 404)
        XCTAssertEqual(try prsh.request("GET", "/").json["service"] as? String, "pr.sh")
        XCTAssertTrue(try HTTPClient.request("GET", prsh.url + "/llms.txt").text.contains("POST /v1/pr"))
    }

    func testMainMovingUnderAPullRequestReappliesOrReportsTheConflict() throws {
        let prsh = try start()
        let alpha = try prsh.open([
            "state/prims/alpha.yaml": Prims.yaml("alpha", port: 3201, status: "live", description: "v2")
        ])
        XCTAssertEqual(alpha.state, "open")
        // Someone else changes beta on main: no overlap, so approval re-applies the manifest on the new main.
        let moved = try repo.commit(
            ["prims/beta.yaml": "id: beta\nname: beta.sh\ndescription: moved\nstatus: testing\nport: 3202\n"],
            message: "beta by hand")
        let approved = try prsh.request("POST", "/v1/pr/\(alpha.number!)/approve", token: PrshProcess.operatorToken)
        XCTAssertEqual(approved.state, "merged", approved.message)
        let head = try main()
        XCTAssertTrue(try GitRepository.open(repo.bare).isAncestor(moved, of: head))
        XCTAssertTrue(try file("state/prims/beta.yaml", at: head)?.contains("moved") ?? false)
        XCTAssertTrue(try file("state/prims/alpha.yaml", at: head)?.contains("v2") ?? false)
        XCTAssertEqual(
            (approved.json["checks"] as? [[String: Any]])?.first?["base"] as? String, moved,
            "checks re-ran on the new main")

        // The same file changed on main: a conflict is reported, nothing merges, nothing is overwritten.
        let again = try prsh.open([
            "state/prims/alpha.yaml": Prims.yaml("alpha", port: 3201, status: "live", description: "v3")
        ])
        let mainChange = try repo.commit(
            ["prims/alpha.yaml": Prims.yaml("alpha", port: 3201, status: "live", description: "by hand")],
            message: "alpha by hand")
        let conflict = try prsh.request("POST", "/v1/pr/\(again.number!)/approve", token: PrshProcess.operatorToken)
        XCTAssertEqual(conflict.status, 409)
        XCTAssertEqual(conflict.field, "state/prims/alpha.yaml")
        XCTAssertTrue(conflict.message.contains("changed on main"), conflict.message)
        XCTAssertEqual(try main(), mainChange)
        let still = try prsh.request("GET", "/v1/pr/\(again.number!)")
        XCTAssertEqual(still.state, "open", "a conflict closes nothing")
        XCTAssertNotNil(still.json["merge_problem"] as? String)

        // Main moving so the manifest no longer validates: the re-run check goes red and merging is refused.
        let closed = try prsh.request("POST", "/v1/pr/\(again.number!)/close", body: ["comment": "superseded"])
        XCTAssertEqual(closed.state, "closed", closed.message)
        let port = try prsh.open(["state/prims/alpha.yaml": Prims.yaml("alpha", port: 3211, status: "live")])
        XCTAssertEqual(port.state, "open", port.message)
        XCTAssertEqual(port.json["green"] as? Bool, true)
        let taken = try repo.commit(["prims/zeta.yaml": Prims.yaml("zeta", port: 3211)], message: "zeta takes 3211")
        let red = try prsh.request("GET", "/v1/pr/\(port.number!)")
        XCTAssertEqual(red.json["green"] as? Bool, false)
        let validate = (red.json["checks"] as? [[String: Any]])?.first
        XCTAssertEqual(validate?["base"] as? String, taken)
        XCTAssertTrue(
            (red.json["diagnostics"] as? [String])?.contains { $0.contains("[duplicate-port]") } ?? false, "\(red.json)"
        )
        let approval = try prsh.request("POST", "/v1/pr/\(port.number!)/approve", token: PrshProcess.operatorToken)
        XCTAssertEqual(approval.status, 200, "the approval is recorded")
        XCTAssertEqual(approval.state, "open", "but a red PR does not merge")
        let refused = try prsh.request("POST", "/v1/pr/\(port.number!)/merge", token: PrshProcess.operatorToken)
        XCTAssertEqual(refused.status, 409)
        XCTAssertEqual(refused.field, "checks")
        XCTAssertEqual(try main(), taken)
    }

    func testFloodControlDuplicatesConflictsRatesAndCooldown() throws {
        let prsh = try start()
        let files = ["state/prims/alpha.yaml": Prims.yaml("alpha", port: 3201, status: "live", description: "x")]
        let first = try prsh.open(files)
        XCTAssertEqual(first.status, 201)
        let refs = try GitRepository.open(repo.bare).references()

        let duplicate = try prsh.open(files)
        XCTAssertEqual(duplicate.status, 200, "the same manifest returns the open PR")
        XCTAssertEqual(duplicate.number, first.number)

        let other = try prsh.open(
            ["state/prims/alpha.yaml": Prims.yaml("alpha", port: 3201, status: "live", description: "y")],
            wallet: Wallets.bob)
        XCTAssertEqual(other.status, 409)
        XCTAssertEqual(other.code, "conflict")
        XCTAssertEqual(other.error["pr_number"] as? Int, first.number)
        XCTAssertEqual(try GitRepository.open(repo.bare).references(), refs, "refused PRs write no refs")

        // per_hour: 4 in this repo's policy; alice has used 1.
        for index in 0..<3 {
            let answer = try prsh.open(["state/prims/p\(index).yaml": Prims.yaml("p\(index)", port: 3300 + index)])
            XCTAssertEqual(answer.status, 201, answer.message)
        }
        let refsBefore = try GitRepository.open(repo.bare).references()
        let limited = try prsh.open(["state/prims/p9.yaml": Prims.yaml("p9", port: 3309)])
        XCTAssertEqual(limited.status, 429)
        XCTAssertEqual(limited.code, "rate_limited")
        XCTAssertEqual(limited.field, "X-Wallet")
        let retry = Int(limited.headers["retry-after"] ?? "") ?? 0
        XCTAssertTrue(retry > 3000 && retry <= 3600, "Retry-After \(retry)")
        XCTAssertEqual(try GitRepository.open(repo.bare).references(), refsBefore)

        // cooldown_after_red: 2 — two red submissions, then even a good one waits.
        let bad = ["state/prims/q.yaml": "id: q\nport: 3201\nstatus: testing\n"]
        XCTAssertEqual(try prsh.open(bad, wallet: Wallets.carol).status, 400)
        XCTAssertEqual(
            try prsh.open(["state/prims/q.yaml": "id: q\nport: 70000\nstatus: testing\n"], wallet: Wallets.carol)
                .status, 400)
        let cooling = try prsh.open(["state/prims/q.yaml": Prims.yaml("q", port: 3400)], wallet: Wallets.carol)
        XCTAssertEqual(cooling.status, 429)
        XCTAssertTrue(cooling.message.contains("cooling down"), cooling.message)

        // A restart loses no PR, no counter, no check result.
        let prBefore = try prsh.request("GET", "/v1/pr/\(first.number!)")
        XCTAssertEqual(prsh.stop(), 0)
        self.prsh = nil
        let restarted = try start(dataDir: prsh.dataDir)
        let prAfter = try restarted.request("GET", "/v1/pr/\(first.number!)")
        XCTAssertEqual(prAfter.state, "open")
        XCTAssertEqual(prAfter.json["checks"] as? NSArray, prBefore.json["checks"] as? NSArray)
        XCTAssertEqual(prAfter.json["head"] as? String, prBefore.json["head"] as? String)
        XCTAssertEqual(
            try restarted.open(["state/prims/p9.yaml": Prims.yaml("p9", port: 3309)]).status, 429,
            "the hourly counter survived")
        XCTAssertEqual(
            try restarted.open(["state/prims/q.yaml": Prims.yaml("q", port: 3400)], wallet: Wallets.carol).status, 429,
            "the cool-down survived")
        XCTAssertEqual(
            try restarted.open(["state/prims/r.yaml": Prims.yaml("r", port: 3401)], wallet: Wallets.bob).status, 201)
        XCTAssertEqual((try restarted.request("GET", "/v1/prs?state=all").json["pull_requests"] as? [Any])?.count, 5)
    }

    func testSweeperClosesStalePullRequestsWithAComment() throws {
        let dataDir = Paths.temporaryDirectory("prsh-sweep")
        let clock = TestClock()
        var settings = PRService.Configuration(repository: repo.bare, dataDir: dataDir, kinds: Kinds.registry)
        settings.statePath = "state"
        let service = try PRService(settings, now: { clock.now })
        let pr = try XCTUnwrap(
            try awaitResult {
                try await service.open(
                    Manifest(
                        title: "t",
                        files: [
                            .init(
                                path: "state/prims/alpha.yaml",
                                content: Prims.yaml("alpha", port: 3201, status: "live", description: "z"))
                        ]), wallet: Wallets.alice)
            }.pullRequest)
        XCTAssertEqual(pr.state, PullRequest.State.open)
        clock.advance(6 * 86400)
        XCTAssertEqual(try awaitResult { try await service.sweep() }, [], "6 days is not stale")
        clock.advance(2 * 86400)
        XCTAssertEqual(try awaitResult { try await service.sweep() }, [pr.number])
        let closed = try awaitResult { try await service.pullRequest(pr.number) }
        XCTAssertEqual(closed.state, PullRequest.State.closed)
        XCTAssertTrue(closed.comments.last?.body.contains("no activity for 7 days") ?? false)
        let reread = try PRStore(directory: dataDir).loadPullRequests()[pr.number]
        XCTAssertEqual(reread?.state, PullRequest.State.closed, "the close is on disk")
    }

    func testSignedMergesVerifyAgainstTheAllowedSigners() throws {
        let keys = Paths.temporaryDirectory("prsh-key")
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        XCTAssertEqual(
            try Command.run(
                "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "prsh", "-f", "\(keys)/prsh"]
            ).status, 0)
        let prsh = try start(["--signing-key", "\(keys)/prsh"])
        let answer = try prsh.open(["state/prims/gamma.yaml": Prims.yaml("gamma", port: 3206)])
        XCTAssertEqual(answer.state, "merged", answer.message)
        let repository = try GitRepository.open(repo.bare)
        let signature = try XCTUnwrap(try repository.signature(of: "main"))
        let publicKey = try String(contentsOfFile: "\(keys)/prsh.pub", encoding: .utf8).split(separator: " ")
        let allowed = SSHSignature.allowedSigners("prsh@prim.test \(publicKey[0]) \(publicKey[1])\n")
        XCTAssertEqual(
            SSHSignature.verify(armored: signature.signature, data: signature.signedData, allowed: allowed),
            .valid(principal: "prsh@prim.test"))
        // git itself agrees.
        try "prsh@prim.test \(publicKey[0]) \(publicKey[1])\n".write(
            toFile: "\(keys)/allowed", atomically: true, encoding: .utf8)
        let verify = try repo.git([
            "-C", repo.bare, "-c", "gpg.ssh.allowedSignersFile=\(keys)/allowed", "verify-commit", "main",
        ])
        XCTAssertEqual(verify.status, 0, verify.stderr)
        XCTAssertTrue(verify.stderr.contains("Good \"git\" signature for prsh@prim.test"), verify.stderr)
    }
}

/// A clock tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var time = Date()
    var now: Date { lock.withLock { time } }
    func advance(_ seconds: TimeInterval) { lock.withLock { time = time.addingTimeInterval(seconds) } }
}

/// Runs async work from a synchronous test.
func awaitResult<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.result = .success(try await work()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
