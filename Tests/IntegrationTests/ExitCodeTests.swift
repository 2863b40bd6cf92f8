import Foundation
import PrimSystem
import XCTest

/// One meaning per exit code, whatever else is blocked: diff 0 nothing would change / 2 something
/// would / 1 error; apply 0 everything it could apply converged / 4 a unit or gate failed / 1 error.
/// A prim waiting for its secret is a warning, and `--format json` is one object per line.
final class ExitCodeTests: FreshTestbedCase {
    /// Each line of a `--format json` output parsed as one JSON object.
    func objects(_ output: String, file: StaticString = #filePath, line: UInt = #line) -> [[String: Any]] {
        output.split(separator: "\n").map { text in
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            XCTAssertNotNil(object, "not one JSON object per line: \(text)", file: file, line: line)
            return object ?? [:]
        }
    }

    func testABlockedPrimIsAWarningAndNeverChangesAnExitCode() throws {
        var files = ConvergedState.files()
        files["prims/waits.yaml"] = "id: waits\nname: waits.sh\nstatus: live\nport: 3209\nenv: [WAITS_KEY]\n"
        files["secrets/WAITS_KEY.yaml"] = "prims: [waits]\nexternal: true\n"
        state = try writeTree(files)

        let diff = try testbed.primctl(["diff", "--state", state])
        XCTAssertEqual(diff.status, 2, "changes pending: \(diff.stdout)\(diff.stderr)")
        let apply = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(apply.status, 0, "everything that could be applied converged: \(apply.stdout)\(apply.stderr)")
        XCTAssertTrue(
            apply.stdout.contains("Warning: prim 'waits' is not deployed: env WAITS_KEY has no value"), apply.stdout)
        XCTAssertTrue(apply.stdout.contains("Apply complete!"), apply.stdout)
        XCTAssertEqual(testbed.viaCaddy("alpha.prim.test").0, 200)

        let again = try testbed.primctl(["diff", "--state", state])
        XCTAssertEqual(again.status, 0, "nothing would change: \(again.stdout)\(again.stderr)")
        XCTAssertTrue(
            again.stdout.contains("No changes.") && again.stdout.contains("prim 'waits' is not deployed"), again.stdout)
        let noop = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(noop.status, 0, "a no-op apply is no error: \(noop.stdout)\(noop.stderr)")
        XCTAssertFalse((noop.stdout + noop.stderr).contains("Error"), noop.stdout + noop.stderr)
        let noopJSON = try testbed.primctl(["apply", "--state", state, "--yes", "--format", "json"])
        XCTAssertEqual(noopJSON.status, 0)
        XCTAssertEqual(
            objects(noopJSON.stdout).last?["outcome"] as? String, "unchanged",
            "a no-op apply ends with its finished event too")
        let history = try testbed.primctl(["history", "--format", "json"])
        XCTAssertEqual((objects(history.stdout).first?["generations"] as? [Any])?.count, 1, history.stdout)
        // A usage error asked for in JSON is JSON too, with ArgumentParser's exit code 64.
        let usage = try testbed.primctl(["diff", "--state", state, "--bogus", "--format", "json"])
        XCTAssertEqual(usage.status, 64)
        XCTAssertEqual(
            (objects(usage.stdout).first?["error"] as? [String: Any])?["code"] as? String, "usage", usage.stdout)

        let json = try testbed.primctl(["diff", "--state", state, "--format", "json"])
        XCTAssertEqual(json.status, 0)
        let documents = objects(json.stdout)
        XCTAssertEqual(documents.count, 1)
        XCTAssertEqual(documents.first?["changed"] as? Bool, false)
        XCTAssertEqual((documents.first?["blocked"] as? [[String: Any]])?.map { $0["prim"] as? String }, ["waits"])

        // A gate that fails is 4; the last JSON line is the apply's end, and does not say it completed.
        files["prims/beta.yaml"] =
            "id: beta\nname: beta.sh\nstatus: live\nport: 3202\ndeploy:\n  command: /usr/bin/python3 packages/stub/server.py --name beta.sh --die broken\n"
        state = try writeTree(files)
        let failing = try testbed.primctl(["apply", "--state", state, "--yes", "--format", "json"])
        XCTAssertEqual(failing.status, 4, failing.stdout + failing.stderr)
        let events = objects(failing.stdout)
        XCTAssertEqual(events.last?["event"] as? String, "finished")
        XCTAssertEqual(events.last?["outcome"] as? String, "degraded")
        XCTAssertEqual(events.last?["blocked"] as? [String], ["waits"])
        let human = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(human.status, 4)
        XCTAssertFalse(human.stdout.contains("Apply complete"), human.stdout)
        XCTAssertTrue(human.stdout.contains("Apply finished with failures"), human.stdout)

        // An error is 1, and in JSON one object on one line.
        let broken = try writeTree(["prims/a.yaml": "id: a\nstatus: live\nport: 80\n"])
        for command in ["diff", "apply", "validate"] {
            let result = try testbed.primctl(
                [command, "--state", broken, "--yes", "--format", "json"].filter { command == "apply" || $0 != "--yes" }
            )
            XCTAssertEqual(result.status, 1, "\(command): \(result.stdout)\(result.stderr)")
            XCTAssertEqual(objects(result.stdout).count, 1, "\(command): \(result.stdout)")
        }
    }

    /// A prim's code file whose name holds a line break could forge a line of its release's
    /// manifest: it is refused, naming the file, and nothing is applied.
    func testACodeFileWithAControlCharacterInItsNameIsRefused() throws {
        var files = ConvergedState.files()
        files["packages/alpha/ok.py"] = "print('ok')\n"
        files["packages/alpha/a\n644 \(String(repeating: "0", count: 64)) packages/beta/json.py"] = "forged\n"
        state = try writeTree(files)
        let diff = try testbed.primctl(["diff", "--state", state])
        XCTAssertEqual(diff.status, 1, diff.stdout + diff.stderr)
        XCTAssertTrue(diff.stderr.contains("has a control character in its name"), diff.stderr)
        let apply = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(apply.status, 1)
        XCTAssertEqual(try testbed.activeState("prim-alpha.service"), "inactive", "nothing was applied")
    }
}
