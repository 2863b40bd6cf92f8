import Foundation
import PrimSystem
import XCTest

/// The agent hears back: after pr.sh merges a PR it follows primd's status for that commit and
/// records the deployment on the PR: live with its gates, rolled back with the failing unit's
/// journal, blocked naming the missing key.
final class PrshDeploymentTests: XCTestCase {
    func testLiveRolledBackAndBlockedAreWhatTheAgentReads() throws {
        let testbed = try Testbed.up()
        defer { testbed.down() }
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "deploy-secret").status, 0)
        let loop = try AgentLoop(testbed: testbed, files: ConvergedState.files())
        defer { loop.stop() }
        let prsh = loop.prsh

        // A new prim: live, with its gate and every declared route.
        var gamma = Prims.yaml("gamma", port: 3231).replacingOccurrences(
            of: "--name gamma.sh", with: "--name gamma.sh --paid \"POST /v1/g\"")
        gamma += "routes_map:\n  - route: POST /v1/g\n    errors: [{ status: 402, code: payment_required }]\n"
        let added = try prsh.open(["state/prims/gamma.yaml": gamma], title: "Add gamma.sh")
        XCTAssertEqual(added.state, "merged", added.message)
        let merged = try XCTUnwrap(added.json["merged_commit"] as? String)
        let live = try prsh.deployment(of: added.number!)
        XCTAssertEqual(live["state"] as? String, "live", "\(live)")
        XCTAssertEqual(live["revision"] as? String, merged)
        let prims = try XCTUnwrap(live["prims"] as? [[String: Any]])
        XCTAssertEqual(prims.map { $0["prim"] as? String }, ["gamma"])
        XCTAssertEqual(prims.first?["up"] as? Bool, true)
        let routes = try XCTUnwrap(prims.first?["routes"] as? [[String: Any]])
        XCTAssertEqual(routes.map { $0["route"] as? String }, ["POST /v1/g"])
        XCTAssertEqual(routes.map { $0["outcome"] as? String }, ["passed"])
        let comments =
            try prsh.request("GET", "/v1/pr/\(added.number!)", wallet: nil).json["comments"] as? [[String: Any]] ?? []
        XCTAssertTrue(comments.contains { ($0["body"] as? String ?? "").hasPrefix("deployment live:") }, "\(comments)")

        // A new prim whose key has no value on the host: merged, then blocked, naming the key.
        var delta = Prims.yaml("delta", port: 3232)
        delta += "env: [DELTA_KEY]\n"
        let blockedPR = try prsh.open(
            ["state/prims/delta.yaml": delta, "state/secrets/DELTA_KEY.yaml": "prims: [delta]\nexternal: true\n"],
            title: "Add delta.sh")
        // A key kept in the host's store (external) is the operator's to fill: it approves the PR, and has not set the key yet.
        XCTAssertEqual(blockedPR.state, "open", "\(blockedPR.json)")
        let approvedDelta = try prsh.request(
            "POST", "/v1/pr/\(blockedPR.number!)/approve", wallet: nil, token: PrshProcess.operatorToken)
        XCTAssertEqual(approvedDelta.state, "merged", approvedDelta.message)
        let blocked = try prsh.deployment(of: blockedPR.number!)
        XCTAssertEqual(blocked["state"] as? String, "blocked", "\(blocked)")
        XCTAssertEqual(blocked["missing_keys"] as? [String], ["DELTA_KEY"])
        XCTAssertTrue((blocked["message"] as? String ?? "").contains("DELTA_KEY"), "\(blocked)")

        // Live alpha's new version cannot start: its candidate fails, the old version keeps
        // serving, primd rolls it back; the agent reads the unit's own last words.
        let alpha = try String(contentsOfFile: "\(loop.repo.work)/state/prims/alpha.yaml", encoding: .utf8)
        let broken = alpha.replacingOccurrences(
            of: "command: /usr/bin/python3 packages/stub/server.py --name alpha.sh --paid \"POST /v1/work\"",
            with: "command: /usr/bin/python3 -c \"import sys; sys.exit('alpha cannot start, no config')\"")
        XCTAssertNotEqual(broken, alpha)
        let change = try prsh.open(["state/prims/alpha.yaml": broken], title: "Break alpha")
        XCTAssertEqual(change.state, "open", change.message)
        let approved = try prsh.request(
            "POST", "/v1/pr/\(change.number!)/approve", wallet: nil, token: PrshProcess.operatorToken)
        XCTAssertEqual(approved.state, "merged", approved.message)
        let back = try prsh.deployment(of: change.number!)
        XCTAssertEqual(back["state"] as? String, "rolled_back", "\(back)")
        let alphaResult = try XCTUnwrap((back["prims"] as? [[String: Any]])?.first { $0["prim"] as? String == "alpha" })
        XCTAssertNotNil(alphaResult["rolled_back_to"] as? String)
        let journal = alphaResult["journal"] as? [String] ?? []
        XCTAssertTrue(journal.contains { $0.contains("alpha cannot start, no config") }, "\(alphaResult)")
        XCTAssertEqual(
            testbed.viaCaddy("alpha.prim.test").1, "{\"service\": \"alpha.sh\", \"status\": \"ok\"}",
            "the old alpha serves")
    }
}
