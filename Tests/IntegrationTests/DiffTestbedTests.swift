import Foundation
import PrimModel
import PrimPlan
import PrimSystem
import XCTest

/// `primctl diff` against a real systemd manager, Caddy and env directory.
final class DiffTestbedTests: SharedTestbedCase {
    static let quickstart = Paths.repo("examples/quickstart")

    func testFreshTestbedGetsTheQuickstartCreationPlan() throws {
        let testbed = try testbed
        XCTAssertEqual(try testbed.primctl(["secret", "set", "SEARCH_API_KEY"], input: "sk-search-value\n").status, 0)
        XCTAssertEqual(
            try testbed.primctl(["secret", "set", "WALLET_INTERNAL_KEY"], input: "wk-wallet-value").status, 0)

        let human = try testbed.primctl(["diff", "--state", Self.quickstart])
        XCTAssertEqual(human.status, 2, human.stderr)
        for line in [
            "  # prim-search@.service will be created", "  # search.caddy will be created",
            "  # wallet.env will be created",
            "      + SEARCH_API_KEY = (sensitive value, from the host's secret store)", "  # caddy will be reloaded",
            "  # search.prim.test/A will be created", "      + search.prim.test. 300 IN A 127.0.0.1",
            "Plan: 16 to add, 1 to change, 0 to destroy.",
        ] {
            XCTAssertTrue(human.stdout.contains(line + "\n"), "missing line: \(line)\n\(human.stdout)")
        }
        XCTAssertFalse(
            human.stdout.contains("sk-search-value") || human.stdout.contains("wk-wallet-value"),
            "a secret leaked into the plan")

        let json = try testbed.primctl(["diff", "--state", Self.quickstart, "--format", "json"])
        XCTAssertEqual(json.status, 2)
        XCTAssertFalse(json.stdout.contains("sk-search-value"), "a secret leaked into the JSON plan")
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        try PlanSchema.check(document)
        XCTAssertEqual(document["changed"] as? Bool, true)
        XCTAssertEqual(document["summary"] as? [String: Int], ["add": 16, "change": 1, "destroy": 0, "blocked": 0])
        let changes = document["changes"] as? [[String: Any]] ?? []
        XCTAssertEqual(changes.map { $0["action"] as? String }, Array(repeating: "create", count: 16) + ["reload"])
        XCTAssertEqual(changes.compactMap { $0["path"] as? String }.first, "\(testbed.envDir)/search.env")
    }

    /// On a terminal (a pseudo-terminal from `script`) the plan is coloured; `--no-color` or a
    /// non-empty `NO_COLOR` take the colour off, and output to a pipe never has it.
    func testAPlanIsColouredOnATerminalOnly() throws {
        let testbed = try testbed
        // NO_COLOR empty: as if unset (swift test sets it).
        func onTerminal(_ extra: String, environment: [String: String] = ["NO_COLOR": ""]) throws -> String {
            let command = "\(Paths.primctl) diff --state \(Self.quickstart) --config \(testbed.config)\(extra)"
            return try Command.run("/usr/bin/script", ["-qec", command, "/dev/null"], environment: environment).stdout
        }
        let escape = "\u{1B}["
        let coloured = try onTerminal("")
        XCTAssertTrue(coloured.contains("\(escape)32m+\(escape)0m create"), coloured)
        XCTAssertTrue(coloured.contains("Plan:"), coloured)
        XCTAssertFalse(try onTerminal(" --no-color").contains(escape), "--no-color")
        XCTAssertFalse(try onTerminal("", environment: ["NO_COLOR": "1"]).contains(escape), "NO_COLOR")
        XCTAssertFalse(try testbed.primctl(["diff", "--state", Self.quickstart]).stdout.contains(escape), "a pipe")
    }

    func testMissingSecretBlocksOnlyThatPrim() throws {
        let testbed = try testbed
        let state = try writeTree(ConvergedState.files(withSecret: "NEVER_SET"))
        defer { try? FileManager.default.removeItem(atPath: state) }
        let result = try testbed.diffSays(
            state,
            "Warning: prim 'alpha' is not deployed: env NEVER_SET has no value; run `primctl secret set NEVER_SET`")
        XCTAssertTrue(result.stdout.contains("# prim-beta@.service will be created"))
        XCTAssertFalse(result.stdout.contains("# prim-alpha@.service"))
    }

    func testInvalidStateLeavesTheLiveSystemUntouched() throws {
        let testbed = try testbed
        let before = testbed.liveFiles()
        let caddyBefore = try testbed.caddyConfig()
        let state = try writeTree([
            "hosts/t.yaml": "domain: prim.test\n", "prims/a.yaml": "id: a\nstatus: live\nport: 80\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: state) }
        let result = try testbed.primctl(["diff", "--state", state])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(
            result.stdout.contains("\(state)/prims/a.yaml:3:7: error: port 80 is out of range"), result.stdout)
        XCTAssertEqual(testbed.liveFiles(), before)
        XCTAssertEqual(try testbed.caddyConfig(), caddyBefore)
    }

    func testUnreachableCaddyIsAClearError() throws {
        let testbed = try testbed
        let config = try String(contentsOfFile: testbed.config, encoding: .utf8)
            .replacingOccurrences(of: testbed.environment["CADDY_ADMIN"]!, with: "http://127.0.0.1:9")
        let path = "\(testbed.directory)/broken-caddy.yaml"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        let state = try writeTree(ConvergedState.files())
        defer { try? FileManager.default.removeItem(atPath: state) }
        let result = try Primctl.run(["diff", "--state", state, "--config", path, "--format", "json"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stdout.contains("\"code\":\"observe-failed\""), result.stdout)
        XCTAssertTrue(result.stdout.contains("cannot reach Caddy's admin API at http://127.0.0.1:9"), result.stdout)
    }
}

/// Checks a plan document against the documented JSON schema (format_version 1).
enum PlanSchema {
    static let actions: Set<String> = ["create", "update", "delete", "start", "stop", "restart", "reload", "no-op"]
    static let kinds: Set<String> = ["env_file", "release", "unit", "dns_record", "caddy_fragment", "caddy_config"]

    static func check(_ document: [String: Any]) throws {
        XCTAssertEqual(document["format_version"] as? String, "1")
        XCTAssertNotNil(document["host"] as? String)
        XCTAssertNotNil(document["changed"] as? Bool)
        let summary = try XCTUnwrap(document["summary"] as? [String: Int])
        XCTAssertEqual(Set(summary.keys), ["add", "change", "destroy", "blocked"])
        for change in try XCTUnwrap(document["changes"] as? [[String: Any]]) {
            let action = try XCTUnwrap(change["action"] as? String)
            XCTAssertTrue(actions.contains(action), action)
            XCTAssertTrue(kinds.contains(change["kind"] as? String ?? ""))
            let sensitive = try XCTUnwrap(change["sensitive"] as? Bool)
            XCTAssertEqual(change["address"] as? String, "\(change["kind"]!).\(change["name"]!)")
            XCTAssertNotNil(change["path"] as? String)
            if sensitive {
                XCTAssertNil(change["before"])
                XCTAssertNil(change["after"])
                XCTAssertNotNil(change["keys"] as? [String])
            }
            if let reason = change["reason"] as? [String: String] {
                XCTAssertEqual(Set(reason.keys), ["code", "message"])
            }
        }
        for blocked in try XCTUnwrap(document["blocked"] as? [[String: Any]]) {
            XCTAssertNotNil(blocked["prim"] as? String)
            XCTAssertNotNil(blocked["missing_env"] as? [String])
            XCTAssertNotNil(blocked["message"] as? String)
        }
    }
}
