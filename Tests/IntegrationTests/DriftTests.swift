import Foundation
import XCTest

/// The observers read real live state: an applied host diffs clean, and each kind of drift shows up.
final class DriftTests: SharedTestbedCase {
    func converged() throws -> (Testbed, String) {
        let testbed = try self.testbed
        let state = try writeTree(ConvergedState.files())
        addTeardownBlock { try? FileManager.default.removeItem(atPath: state) }
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "first-secret").status, 0)
        let apply = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(apply.status, 0, apply.stdout + apply.stderr)
        let diff = try testbed.primctl(["diff", "--state", state])
        XCTAssertEqual(diff.stdout, "No changes. Live state matches the desired state.\n")
        XCTAssertEqual(diff.status, 0, diff.stdout + diff.stderr)
        return (testbed, state)
    }

    func testConvergedHostThenStoppedUnit() throws {
        let (testbed, state) = try converged()
        XCTAssertEqual(try testbed.managerCall("StopUnit", "ss", [try testbed.unit("beta"), "replace"]).status, 0)
        try testbed.waitUntil("prim-beta.service", is: "inactive")
        let diff = try testbed.diffSays(
            state, "  # prim-beta@.service will be started\n  # (no version runs (the last is inactive); version ")
        XCTAssertTrue(diff.stdout.hasSuffix("Plan: 0 to add, 1 to change, 0 to destroy.\n"), diff.stdout)
    }

    func testSecretRotationRestartsOnlyItsPrim() throws {
        let (testbed, state) = try converged()
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "second-secret").status, 0)
        let diff = try testbed.primctl(["diff", "--state", state])
        XCTAssertEqual(diff.status, 2)
        XCTAssertTrue(diff.stdout.contains("  # alpha.env will be updated in-place\n"), diff.stdout)
        XCTAssertTrue(
            diff.stdout.contains(
                "  # prim-alpha@.service will be restarted\n  # (its release, env or settings changed; version "),
            diff.stdout)
        XCTAssertFalse(diff.stdout.contains("beta"), "beta does not use the secret")
        XCTAssertFalse(diff.stdout.contains("second-secret") || diff.stdout.contains("first-secret"))
    }

    func testDescriptionChangeDoesNotRestart() throws {
        let (testbed, state) = try converged()
        try write(
            Array(ConvergedState.files(betaDescription: "a better description")["prims/beta.yaml"]!.utf8),
            to: "\(state)/prims/beta.yaml")
        try testbed.diffSays(
            state, "  # prim-beta@.service will be updated in-place\n  # (only Unit.Description changed; no restart)\n")
    }

    func testHandEditedFragmentAndRemovedPrim() throws {
        let (testbed, state) = try converged()
        let fragment = "\(testbed.fragmentDir)/alpha.caddy"
        let original = try String(contentsOfFile: fragment, encoding: .utf8)
        try (original + "# edited by hand\n").write(toFile: fragment, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: "\(state)/prims/beta.yaml")
        let diff = try testbed.primctl(["diff", "--state", state])
        XCTAssertEqual(diff.status, 2)
        for line in [
            "  # alpha.caddy will be updated in-place", "      - # edited by hand", "  # caddy will be reloaded",
            "  # prim-beta@.service will be destroyed", "  # beta.env will be destroyed",
            "  # beta.caddy will be destroyed",
            "  - release \"beta-", "Plan: 0 to add, 2 to change, 4 to destroy.",
        ] {
            XCTAssertTrue(diff.stdout.contains(line), "missing: \(line)\n\(diff.stdout)")
        }
    }
}
