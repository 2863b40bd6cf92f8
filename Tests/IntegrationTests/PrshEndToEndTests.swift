import Foundation
import PrimSystem
import XCTest

/// The whole loop on a testbed: an agent's manifest → pr.sh (checks, policy, signed merge)
/// → primd (signature required, told by pr.sh's webhook) → systemd and Caddy.
final class PrshEndToEndTests: XCTestCase {
    func testAgentManifestGoesLiveAndALiveChangeWaitsForApproval() throws {
        let testbed = try Testbed.up()
        defer { testbed.down() }
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "e2e-secret").status, 0)
        let keys = try AgentLoop.signingKeys(testbed)
        let repo = try StateRepository(files: ConvergedState.files(), signingKey: "\(keys)/prsh")

        // primd polls only every 10 minutes: pr.sh's webhook is what makes it fetch.
        let primd = try PrimdProcess(
            testbed: testbed, repo: "file://\(repo.bare)", extra: "  allowed_signers: \(keys)/allowed_signers\n",
            secret: "hook-secret", poll: 600)
        defer { _ = primd.stop() }
        primd.waitFor("the first revision to be applied") { primd.status()?["last_applied_revision"] as? String != nil }
        let prsh = try PrshProcess(
            repo: repo,
            extra: [
                "--signing-key", "\(keys)/prsh",
                "--notify-url", primd.url + "/hooks/git",
                "--notify-secret-file", "\(testbed.directory)/hook-secret",
            ])
        defer { _ = prsh.stop() }

        let started = Date()
        let added = try prsh.open(["state/prims/gamma.yaml": Prims.yaml("gamma", port: 3206)], title: "Add gamma.sh")
        XCTAssertEqual(added.status, 201, added.message)
        XCTAssertEqual(added.state, "merged")
        let merged = try XCTUnwrap(added.json["merged_commit"] as? String)
        primd.waitFor("gamma to answer through Caddy", timeout: 40) {
            testbed.viaCaddy("gamma.prim.test").1.contains("gamma.sh")
        }
        print(
            "agent POST /v1/pr to live through Caddy: \(String(format: "%.2f", Date().timeIntervalSince(started))) s (checks, signed merge, webhook, apply, the service's own start)"
        )
        // The route goes live before primd finishes its apply and records it: wait for the record.
        primd.waitFor("primd to record the merged commit as applied") {
            primd.status()?["last_applied_revision"] as? String == merged
        }

        // A change to live alpha waits; nothing deploys until the operator approves.
        let change = try prsh.open(
            [
                "state/prims/alpha.yaml":
                    (try String(contentsOfFile: "\(repo.work)/state/prims/alpha.yaml", encoding: .utf8))
                    .replacingOccurrences(of: "port: 3201", with: "port: 3211")
            ], title: "Move alpha")
        XCTAssertEqual(change.state, "open", change.message)
        XCTAssertEqual(change.json["needs_approval"] as? Bool, true)
        // Nothing was merged, so there is nothing new for primd to fetch: main has not moved.
        XCTAssertEqual(try GitRepository.open(repo.bare).branchHead("main"), merged, "main did not move")
        XCTAssertEqual(primd.status()?["last_applied_revision"] as? String, merged, "nothing new reached primd")
        XCTAssertTrue(try testbed.caddyConfig().contains("3201"))

        let approved = try prsh.request("POST", "/v1/pr/\(change.number!)/approve", token: PrshProcess.operatorToken)
        XCTAssertEqual(approved.state, "merged", approved.message)
        let second = try XCTUnwrap(approved.json["merged_commit"] as? String)
        primd.waitFor("the approved change to be applied", timeout: 40) {
            primd.status()?["last_applied_revision"] as? String == second
        }
        XCTAssertTrue(try testbed.caddyConfig().contains("3211"), "alpha's route moved to its new port")
        XCTAssertEqual(testbed.viaCaddy("alpha.prim.test").0, 200)
    }
}
