import Foundation
import PRService
import PrimHost
import PrimSystem
import XCTest

/// The promotion check against a real primd: pr.sh (in process, with an injected clock) reads
/// primd's /status; a prim goes `testing → live` only after its code has passed conformance on
/// the host for policy.promotion.min_testing_minutes, measured on primd's clock.
final class PromotionTests: XCTestCase {
    func prim(_ id: String, port: Int, status: String = "testing", stub: String) -> String {
        """
        id: \(id)
        name: \(id).sh
        status: \(status)
        port: \(port)
        routes_map:
          - route: POST /v1/e
            errors: [{ status: 402, code: payment_required }]
        deploy:
          command: /usr/bin/python3 packages/stub/server.py --name \(id).sh \(stub)
          health: { timeout: 5 }

        """
    }

    func testAPromotionWaitsForConformanceOverTheMinimumTimeThenMerges() throws {
        let testbed = try Testbed.up()
        defer { testbed.down() }
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "promotion").status, 0)
        var files = ConvergedState.files()
        files["prims/echo.yaml"] = prim("echo", port: 3241, stub: "--paid \"POST /v1/e\"")
        files["prims/bad.yaml"] = prim("bad", port: 3242, stub: "--ok \"POST /v1/e\"")
        for id in ["echo", "bad"] { files["owners/\(id).yaml"] = "wallet: \(Wallets.alice)\npr: 1\n" }
        files["policy.yaml"] = "promotion:\n  min_testing_minutes: 10\n"
        let repo = try StateRepository(files: files)
        let primd = try PrimdProcess(testbed: testbed, repo: "file://\(repo.bare)")
        defer { _ = primd.stop() }
        primd.waitFor("the first revision to be applied") { primd.status()?["last_applied_revision"] as? String != nil }

        let clock = TestClock()
        var settings = PRService.Configuration(
            repository: repo.bare, dataDir: Paths.temporaryDirectory("prsh-promotion"), kinds: Kinds.registry)
        settings.statePath = "state"
        settings.primd = PrimdClient(url: primd.url)
        let service = try PRService(settings, now: { clock.now })
        func open(_ id: String, port: Int, stub: String) throws -> PullRequest {
            let manifest = Manifest(
                title: "Promote \(id)",
                files: [
                    .init(path: "state/prims/\(id).yaml", content: prim(id, port: port, status: "live", stub: stub))
                ])
            return try XCTUnwrap(
                try awaitResult { try await service.open(manifest, wallet: Wallets.alice) }.pullRequest)
        }
        func promotion(_ pr: PullRequest) -> Check? { pr.checks.first { $0.name == .promotion } }

        // bad answers 200 on its paid route: its promotion is red, with the route.
        let red = try open("bad", port: 3242, stub: "--ok \"POST /v1/e\"")
        XCTAssertEqual(red.state, .open)
        XCTAssertEqual(promotion(red)?.status, .failure)
        XCTAssertTrue(
            promotion(red)?.summary.contains("POST /v1/e without payment answered 200") ?? false,
            "\(String(describing: promotion(red)))")

        // echo passes, but has not for 10 minutes yet: pending, and the PR waits.
        let waiting = try open("echo", port: 3241, stub: "--paid \"POST /v1/e\"")
        XCTAssertEqual(waiting.state, .open)
        XCTAssertEqual(promotion(waiting)?.status, .pending, "\(String(describing: promotion(waiting)))")
        XCTAssertTrue(
            promotion(waiting)?.summary.contains("of 10 minutes") ?? false, "\(String(describing: promotion(waiting)))")
        XCTAssertEqual(
            try GitRepository.open(repo.bare).branchHead("main"), primd.status()?["last_applied_revision"] as? String,
            "main did not move")
        clock.advance(9 * 60)
        _ = try awaitResult { try await service.refreshAll() }
        XCTAssertEqual(
            try awaitResult { try await service.pullRequest(waiting.number) }.state, .open, "9 minutes is not 10")

        // The minimum is measured on primd's clock, not pr.sh's: eleven minutes pass there (its record
        // moved back as a restart finds it, the same code still running): green, merged.
        XCTAssertEqual(primd.stop(), 0)
        let file = "\(testbed.dataDir)/status.json"
        var record = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        let iso = ISO8601DateFormatter()
        record["prims"] = (record["prims"] as? [[String: Any]] ?? []).map { health in
            var health = health
            for key in ["passing_since", "checked_at"] {
                if let text = health[key] as? String, let date = iso.date(from: text) {
                    health[key] = iso.string(from: date.addingTimeInterval(-11 * 60))
                }
            }
            return health
        }
        try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: file))
        let restarted = try PrimdProcess(testbed: testbed, repo: "file://\(repo.bare)")
        defer { _ = restarted.stop() }
        restarted.waitFor("primd to answer again") { restarted.status() != nil }
        settings.primd = PrimdClient(url: restarted.url)
        let reader = try PRService(settings, now: { clock.now })
        _ = try awaitResult { try await reader.refreshAll() }
        let merged = try awaitResult { try await reader.pullRequest(waiting.number) }
        XCTAssertEqual(merged.state, .merged, "\(merged.checks)")
        XCTAssertEqual(promotion(merged)?.status, .success)
        XCTAssertEqual(
            try awaitResult { try await reader.pullRequest(red.number) }.state, .open, "the red one still waits")
    }
}
