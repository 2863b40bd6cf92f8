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
        try repo.commit(
            ["prims/beta.yaml": ConvergedState.files(betaPort: 3209)["prims/beta.yaml"]!], message: "move beta")
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
        files["packages/stub/server.py"] = ConvergedState.stub.replacingOccurrences(
            of: "\"status\": \"ok\"", with: "\"status\": \"second\"")
        XCTAssertNotEqual(files["packages/stub/server.py"], ConvergedState.stub)
        let second = try writeTree(files)
        let applied = try testbed.primctl(["apply", "--yes", "--state", second])
        XCTAssertEqual(applied.status, 0, applied.stdout + applied.stderr)
        XCTAssertTrue(testbed.viaCaddy("alpha.prim.test").1.contains("\"second\""), "the second version serves")
        try FileManager.default.removeItem(atPath: first)
        try FileManager.default.removeItem(atPath: second)

        let rollback = try testbed.primctl(["rollback", "--yes"])
        XCTAssertEqual(rollback.status, 0, rollback.stdout + rollback.stderr)
        XCTAssertTrue(
            rollback.stdout.hasPrefix("Rolling back to generation 1 (directory \(first), archived)"), rollback.stdout)
        let body = testbed.viaCaddy("alpha.prim.test").1
        XCTAssertTrue(
            body.contains("\"status\": \"ok\"") && body.contains("alpha.sh"),
            "the first version's code serves again: \(body)")
        XCTAssertEqual((try? HTTPClient_get("http://127.0.0.1:3202/")), 200, "beta is back on its first port")
        let history = try testbed.primctl(["history"]).stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(history.count, 3, "\(history)")
        XCTAssertTrue(history[0].contains("directory \(first)"), "\(history)")
        XCTAssertTrue(history[2].contains("ROLLBACK to generation 1"), "\(history)")
        // Nothing of the archive is readable by others.
        let mode =
            try FileManager.default.attributesOfItem(atPath: "\(testbed.dataDir)/archives")[.posixPermissions] as? Int
        XCTAssertEqual(mode.map { $0 & 0o077 }, 0, "archives are the operator's only")
    }
}

/// The status of a GET, or nil when nothing answers.
func HTTPClient_get(_ url: String) throws -> Int {
    try Command.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3", url]).stdout
        == "200" ? 200 : 0
}

/// `primctl status` without primd: every deployed prim, the version serving, what is desired, health.
final class StatusTableTests: FreshTestbedCase {
    func testEveryDeployedPrimWithTheVersionServingAndWhatIsDesired() throws {
        XCTAssertEqual(try testbed.primctl(["apply", "--state", state, "--yes"]).status, 0)
        // The second apply: alpha's new version cannot start (its old one keeps serving), beta is untouched,
        // gamma is new, and waits needs a secret.
        var files = ConvergedState.files()
        files["prims/alpha.yaml"] = files["prims/alpha.yaml"]!.replacingOccurrences(
            of: "--paid \"POST /v1/work\"", with: "--paid \"POST /v1/work\" --die broken")
        files["prims/gamma.yaml"] = "id: gamma\nname: gamma.sh\nstatus: testing\nport: 3213\n"
        files["prims/waits.yaml"] = "id: waits\nname: waits.sh\nstatus: live\nport: 3214\nenv: [WAITS_KEY]\n"
        files["secrets/WAITS_KEY.yaml"] = "prims: [waits]\nexternal: true\n"
        let second = try writeTree(files)
        XCTAssertEqual(try testbed.primctl(["apply", "--state", second, "--yes"]).status, 4)
        XCTAssertEqual(
            testbed.viaCaddy("alpha.prim.test").1, "{\"service\": \"alpha.sh\", \"status\": \"ok\"}",
            "alpha's old version serves")
        XCTAssertEqual(try testbed.managerCall("StopUnit", "ss", [try testbed.unit("beta"), "replace"]).status, 0)

        let json = try testbed.primctl(["status", "--format", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let document = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], json.stdout)
        let rows = Dictionary(
            uniqueKeysWithValues: try XCTUnwrap(document["prims"] as? [[String: Any]]).map {
                ($0["prim"] as! String, $0)
            })
        XCTAssertEqual(Set(rows.keys), ["alpha", "beta", "gamma"], "every deployed prim, not only the last apply's")
        XCTAssertEqual(rows["alpha"]?["serving"] as? String, "gen 1 · directory \(state)")
        XCTAssertEqual(
            rows["alpha"]?["health"] as? String, "up", "its old version serves and passed its gate: \(rows["alpha"]!)")
        XCTAssertTrue(
            (rows["alpha"]?["desired"] as? String ?? "").contains(
                "gen 2 · directory \(second) kept the running version"), "\(rows["alpha"]!)")
        XCTAssertEqual(rows["beta"]?["health"] as? String, "stopped")
        XCTAssertEqual(rows["beta"]?["unit"] as? String, "inactive")
        XCTAssertEqual(rows["gamma"]?["serving"] as? String, "gen 2 · directory \(second)")
        XCTAssertEqual(rows["gamma"]?["desired"] as? String, "up to date")
        let human = try testbed.primctl(["status"])
        let header = try XCTUnwrap(human.stdout.split(separator: "\n").first { $0.hasPrefix("PRIM") })
        XCTAssertTrue(
            header.contains("SERVING") && header.contains("DESIRED") && header.contains("HEALTH"), human.stdout)

        // A manager that cannot be asked is said, not shown as every prim stopped.
        let config = try String(contentsOfFile: testbed.config, encoding: .utf8)
            .replacingOccurrences(of: "bus: \(testbed.bus)", with: "bus: unix:path=/nonexistent/bus")
        XCTAssertTrue(config.contains("unix:path=/nonexistent/bus"), config)
        let deaf = "\(testbed.directory)/deaf-bus.yaml"
        try config.write(toFile: deaf, atomically: true, encoding: .utf8)
        let blind = try Primctl.run(["status", "--config", deaf])
        XCTAssertEqual(blind.status, 0, blind.stderr)
        XCTAssertTrue(blind.stdout.contains("Warning: the systemd manager cannot be asked"), blind.stdout)
        XCTAssertFalse(blind.stdout.contains("stopped"), blind.stdout)
    }
}
