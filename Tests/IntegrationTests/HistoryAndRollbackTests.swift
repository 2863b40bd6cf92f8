import Foundation
import XCTest

/// `primctl history`, `status` and `rollback` over generations applied from git revisions.
final class HistoryAndRollbackTests: XCTestCase {
    func testRollbackReappliesAnEarlierRevision() throws {
        let testbed = try Testbed.up()
        defer { testbed.down() }
        let repo = try StateRepository(files: ConvergedState.files())
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "s").status, 0)
        let source = ["--repo", repo.work, "--state", "state"]
        XCTAssertEqual(try testbed.primctl(["apply", "--yes", "--rev", "HEAD"] + source).status, 0)
        try repo.commit(["prims/beta.yaml": ConvergedState.files(betaPort: 3209)["prims/beta.yaml"]!], message: "move beta")
        XCTAssertEqual(try testbed.primctl(["apply", "--yes", "--rev", "HEAD"] + source).status, 0)
        XCTAssertEqual((try? HTTPClient_get("http://127.0.0.1:3209/")), 200)

        let history = try testbed.primctl(["history"])
        XCTAssertEqual(history.status, 0)
        XCTAssertEqual(history.stdout.split(separator: "\n").count, 2, history.stdout)
        XCTAssertTrue(history.stdout.contains("converged"), history.stdout)

        let rollback = try testbed.primctl(["rollback", "--yes"])
        XCTAssertEqual(rollback.status, 0, rollback.stdout + rollback.stderr)
        XCTAssertTrue(rollback.stdout.hasPrefix("Rolling back to generation 1"), rollback.stdout)
        XCTAssertEqual((try? HTTPClient_get("http://127.0.0.1:3202/")), 200, "beta is back on its first port")
        XCTAssertEqual(try testbed.primctl(["history"]).stdout.split(separator: "\n").count, 3)

        let status = try testbed.primctl(["status"])
        XCTAssertEqual(status.status, 0)
        XCTAssertTrue(status.stdout.contains("primd has not run on this host"), status.stdout)
        XCTAssertTrue(status.stdout.contains("Last apply: generation 3, converged"), status.stdout)
    }
}

/// The status of a GET, or nil when nothing answers.
func HTTPClient_get(_ url: String) throws -> Int {
    try Command.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3", url]).stdout == "200" ? 200 : 0
}
