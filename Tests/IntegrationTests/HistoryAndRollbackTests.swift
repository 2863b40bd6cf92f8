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
        let after = try testbed.primctl(["history"]).stdout
        XCTAssertEqual(after.split(separator: "\n").count, 3, after)
        let lines = after.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[1].contains("move beta"), "history shows each commit's subject: \(after)")
        XCTAssertTrue(lines[2].contains("initial state") && lines[2].contains("ROLLBACK to generation 1"), after)

        let status = try testbed.primctl(["status"])
        XCTAssertEqual(status.status, 0)
        XCTAssertTrue(status.stdout.contains("primd has not run on this host"), status.stdout)
        XCTAssertTrue(status.stdout.contains("Last apply: generation 3, converged"), status.stdout)
    }
}

extension HistoryAndRollbackTests {
    /// A `--state DIR` apply keeps its state and code (content-addressed): rollback applies it again
    /// even after the directory is gone.
    func testADirectoryApplyCanBeRolledBackAfterTheDirectoryIsGone() throws {
        let testbed = try Testbed.up()
        defer { testbed.down() }
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "s").status, 0)
        let first = try writeTree(ConvergedState.files())
        XCTAssertEqual(try testbed.primctl(["apply", "--yes", "--state", first]).status, 0)
        var files = ConvergedState.files(betaPort: 3209)
        files["packages/stub/server.py"] = ConvergedState.stub.replacingOccurrences(of: "\"status\": \"ok\"", with: "\"status\": \"second\"")
        XCTAssertNotEqual(files["packages/stub/server.py"], ConvergedState.stub)
        let second = try writeTree(files)
        let applied = try testbed.primctl(["apply", "--yes", "--state", second])
        XCTAssertEqual(applied.status, 0, applied.stdout + applied.stderr)
        XCTAssertTrue(testbed.viaCaddy("alpha.prim.test").1.contains("\"second\""), "the second version serves")
        try FileManager.default.removeItem(atPath: first)
        try FileManager.default.removeItem(atPath: second)

        let rollback = try testbed.primctl(["rollback", "--yes"])
        XCTAssertEqual(rollback.status, 0, rollback.stdout + rollback.stderr)
        XCTAssertTrue(rollback.stdout.hasPrefix("Rolling back to generation 1 (directory \(first), archived)"), rollback.stdout)
        let body = testbed.viaCaddy("alpha.prim.test").1
        XCTAssertTrue(body.contains("\"status\": \"ok\"") && body.contains("alpha.sh"), "the first version's code serves again: \(body)")
        XCTAssertEqual((try? HTTPClient_get("http://127.0.0.1:3202/")), 200, "beta is back on its first port")
        let history = try testbed.primctl(["history"]).stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(history.count, 3, "\(history)")
        XCTAssertTrue(history[0].contains("directory \(first)"), "\(history)")
        XCTAssertTrue(history[2].contains("ROLLBACK to generation 1"), "\(history)")
        // Nothing of the archive is readable by others.
        let mode = try FileManager.default.attributesOfItem(atPath: "\(testbed.dataDir)/archives")[.posixPermissions] as? Int
        XCTAssertEqual(mode.map { $0 & 0o077 }, 0, "archives are the operator's only")
    }
}

/// The status of a GET, or nil when nothing answers.
func HTTPClient_get(_ url: String) throws -> Int {
    try Command.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3", url]).stdout == "200" ? 200 : 0
}
