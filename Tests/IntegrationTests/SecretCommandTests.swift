import Foundation
import XCTest

/// `primctl secret list` and `rm`: names, who gets each, where its value comes from; never a value.
final class SecretCommandTests: FreshTestbedCase {
    func testListShowsNamesConsumersAndSourcesAndRmRemovesAStoredValue() throws {
        var files = ConvergedState.files()
        files["prims/waits.yaml"] = "id: waits\nname: waits.sh\nstatus: live\nport: 3215\nenv: [WAITS_KEY]\n"
        files["secrets/WAITS_KEY.yaml"] = "prims: [waits]\nexternal: true\n"
        files["prims/later.yaml"] = "id: later\nname: later.sh\nstatus: building\nport: 3216\nenv: [LATER_KEY]\n"
        files["secrets/LATER_KEY.yaml"] = "prims: [later]\nexternal: true\n"
        state = try writeTree(files)
        XCTAssertEqual(try testbed.primctl(["secret", "set", "OLD_KEY"], input: "old-value-never-shown").status, 0)

        let list = try testbed.primctl(["secret", "list", "--state", state, "--format", "json"])
        XCTAssertEqual(list.status, 0, list.stdout + list.stderr)
        XCTAssertFalse(
            list.stdout.contains("old-value-never-shown") || list.stdout.contains("first-secret"), "no value is shown")
        let document = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any], list.stdout)
        let entries = Dictionary(
            uniqueKeysWithValues: try XCTUnwrap(document["secrets"] as? [[String: Any]]).map {
                ($0["name"] as! String, $0)
            })
        XCTAssertEqual(entries["API_KEY"]?["source"] as? String, "store")
        XCTAssertEqual(entries["API_KEY"]?["prims"] as? [String], ["alpha"])
        XCTAssertEqual(entries["WAITS_KEY"]?["source"] as? String, "missing")
        XCTAssertEqual(entries["OLD_KEY"]?["source"] as? String, "unused")
        XCTAssertEqual(entries["LATER_KEY"]?["source"] as? String, "not-needed", "its prim is not deployed here")
        let human = try testbed.primctl(["secret", "list", "--state", state])
        XCTAssertTrue(
            human.stdout.contains("OLD_KEY") && human.stdout.contains("primctl secret rm OLD_KEY"), human.stdout)

        // The plan names the unused value too.
        let diff = try testbed.primctl(["diff", "--state", state])
        XCTAssertTrue(
            diff.stdout.contains("this host's store holds secret OLD_KEY, which no secrets/*.yaml declares"),
            diff.stdout)

        let rm = try testbed.primctl(["secret", "rm", "OLD_KEY"])
        XCTAssertEqual(rm.status, 0, rm.stdout + rm.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(testbed.dataDir)/secrets/OLD_KEY"))
        let again = try testbed.primctl(["secret", "rm", "OLD_KEY"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("this host's store holds no secret OLD_KEY"), again.stderr)
        let after = try testbed.primctl(["secret", "list", "--state", state, "--format", "json"])
        XCTAssertFalse(after.stdout.contains("OLD_KEY"), after.stdout)
    }

    /// Removing a prim whose secret file still names it: the error says to remove the name (or the
    /// file), and offers no other prim to give the value to unless the name is a likely typo.
    func testASecretNamingARemovedPrimSaysHowToFinishTheRemoval() throws {
        var files = ConvergedState.files()
        files["prims/alpha.yaml"] = nil
        state = try writeTree(files)
        let validate = try testbed.primctl(["validate", "--state", state])
        XCTAssertEqual(validate.status, 1)
        XCTAssertTrue(
            validate.stdout.contains("secret 'API_KEY' names prim 'alpha', which is not declared"), validate.stdout)
        XCTAssertTrue(
            validate.stdout.contains(
                "if the prim was removed, remove secrets/API_KEY.yaml (no other prim gets this secret)"),
            validate.stdout)
        XCTAssertFalse(validate.stdout.contains("did you mean"), validate.stdout)
    }
}
