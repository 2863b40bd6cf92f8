import Foundation
import PrimSystem
import XCTest

/// `primctl apply` against a real systemd manager, Caddy and env directory; each test gets a fresh testbed.
final class ApplyTests: FreshTestbedCase {
    @discardableResult
    func apply(expect status: Int32 = 0, _ extra: [String] = []) throws -> CommandResult {
        let result = try testbed.primctl(["apply", "--state", state, "--yes"] + extra)
        XCTAssertEqual(result.status, status, result.stdout + result.stderr)
        return result
    }

    func diffIsClean() throws {
        let diff = try testbed.primctl(["diff", "--state", state])
        XCTAssertEqual(diff.status, 0, diff.stdout)
    }

    func edit(_ files: [String: String]) throws {
        for (path, text) in files { try write(Array(text.utf8), to: "\(state)/\(path)") }
    }

    func testQuickstartConvergesAndAnswersThroughCaddy() throws {
        let quickstart = Paths.repo("examples/quickstart")
        XCTAssertEqual(try testbed.primctl(["secret", "set", "SEARCH_API_KEY"], input: "s").status, 0)
        XCTAssertEqual(try testbed.primctl(["secret", "set", "WALLET_INTERNAL_KEY"], input: "w").status, 0)
        let result = try testbed.primctl(["apply", "--state", quickstart, "--yes"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(
            result.stdout.hasSuffix("Apply complete! Resources: 16 added, 1 changed, 0 destroyed.\n"), result.stdout)
        for (prim, method, paid) in [
            ("search", "POST", "/v1/search"), ("store", "PUT", "/v1/objects"), ("wallet", "GET", "/v1/balance"),
        ] {
            let (status, body) = testbed.viaCaddy("\(prim).prim.test")
            XCTAssertEqual(status, 200)
            XCTAssertEqual(body, "{\"service\": \"\(prim).sh\", \"status\": \"ok\"}")
            XCTAssertEqual(testbed.viaCaddy("\(prim).prim.test", method, paid).0, 402, "\(prim) \(paid) unpaid")
        }
        XCTAssertEqual(try testbed.primctl(["diff", "--state", quickstart]).status, 0)
        // A name no prim serves is a clear 404, not an empty 200.
        let unknown = testbed.viaCaddy("nobody.prim.test")
        XCTAssertEqual(unknown.0, 404)
        XCTAssertEqual(unknown.1, "no prim serves this name")
        // Every declared route conforms: the paid ones answered 402 with the host's payTo and
        // network and a declared price, the free GET neither 402 nor 5xx; the free POST, which can
        // change data, was not asked.
        let status = try testbed.primctl(["status", "--format", "json"])
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let gates = try XCTUnwrap((document["last_generation"] as? [String: Any])?["gates"] as? [[String: Any]])
        var routes: [String: [String]] = [:]
        for gate in gates {
            XCTAssertEqual(gate["passed"] as? Bool, true, "\(gate)")
            for route in gate["routes"] as? [[String: Any]] ?? [] {
                XCTAssertEqual(
                    route["outcome"] as? String, route["route"] as? String == "POST /v1/wallets" ? "skipped" : "passed",
                    "\(route)")
                routes[gate["prim"] as! String, default: []].append(route["route"] as! String)
            }
        }
        XCTAssertEqual(
            routes,
            [
                "search": ["POST /v1/search"], "store": ["PUT /v1/objects"],
                "wallet": ["POST /v1/wallets", "GET /v1/balance"],
            ])
        let human = try testbed.primctl(["status"])
        XCTAssertTrue(
            human.stdout.contains(
                "  ok   GET /v1/balance: GET /v1/balance without payment answered 402 with a valid x402 challenge"),
            human.stdout)
        // Units run as the unprivileged user from their release directory.
        XCTAssertEqual(
            try testbed.unitProperty("prim-search.service", "User", interface: "org.freedesktop.systemd1.Service"),
            "prim-search")
        XCTAssertEqual(
            try testbed.unitProperty(
                "prim-search.service", "DynamicUser", interface: "org.freedesktop.systemd1.Service"), "true")
        // Its version sees its release at <data dir>/release, through the version's link.
        let search = try testbed.unit("search")
        XCTAssertEqual(
            try testbed.unitProperty(search, "WorkingDirectory", interface: "org.freedesktop.systemd1.Service"),
            "\(testbed.dataDir)/release")
        let link = try FileManager.default.destinationOfSymbolicLink(
            atPath: "\(testbed.dataDir)/versions/search@\(search.dropFirst("prim-search@".count).dropLast(8))")
        XCTAssertTrue(link.hasPrefix("\(testbed.dataDir)/releases/search-"), link)
    }

    func testSecondApplyChangesNothing() throws {
        try apply()
        let units = ["prim-alpha.service", "prim-beta.service"]
        let invocations = try units.map(testbed.invocation)
        let times = testbed.liveFileTimes()
        let loads = testbed.caddyLoads()
        let generations = try FileManager.default.contentsOfDirectory(atPath: "\(testbed.dataDir)/generations").count
        let second = try apply()
        XCTAssertEqual(second.stdout, "No changes. Live state matches the desired state.\n")
        XCTAssertEqual(try units.map(testbed.invocation), invocations, "no unit restarted")
        XCTAssertEqual(testbed.liveFileTimes(), times, "no file rewritten")
        XCTAssertEqual(testbed.caddyLoads(), loads, "no Caddy load")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: "\(testbed.dataDir)/generations").count, generations)
    }

    func testDescriptionOnlyChangeRestartsNothing() throws {
        try apply()
        let before = try ["prim-alpha.service", "prim-beta.service"].map(testbed.invocation)
        try edit([
            "prims/beta.yaml": ConvergedState.files(betaDescription: "now with a longer description")[
                "prims/beta.yaml"]!
        ])
        let result = try apply()
        XCTAssertTrue(result.stdout.contains("unit.prim-beta@.service: Modifications complete"), result.stdout)
        XCTAssertEqual(try ["prim-alpha.service", "prim-beta.service"].map(testbed.invocation), before)
        XCTAssertTrue(
            try String(contentsOfFile: "\(testbed.unitDir)/prim-beta@.service", encoding: .utf8).contains(
                "now with a longer description"))
        try diffIsClean()
    }

    func testPortChangeRestartsOnlyThatPrimAndMovesItsRoute() throws {
        try apply()
        let alpha = try testbed.invocation("prim-alpha.service")
        let beta = try testbed.invocation("prim-beta.service")
        try edit(["prims/beta.yaml": ConvergedState.files(betaPort: 3203)["prims/beta.yaml"]!])
        let result = try apply()
        XCTAssertTrue(result.stdout.contains("unit.prim-beta@.service: Restart complete"), result.stdout)
        XCTAssertEqual(try testbed.invocation("prim-alpha.service"), alpha)
        XCTAssertNotEqual(try testbed.invocation("prim-beta.service"), beta)
        XCTAssertEqual(testbed.viaCaddy("beta.prim.test").0, 200)
        XCTAssertEqual((try? HTTPClient.request("GET", "http://127.0.0.1:3203/"))?.status, 200)
        XCTAssertNil(
            try? HTTPClient.request("GET", "http://127.0.0.1:3202/", timeout: 1), "nothing listens on the old port")
        try diffIsClean()
    }

    func testPortChangeOfALivePrimDropsNoRequest() throws {
        try apply()
        let alpha = ConvergedState.files()["prims/alpha.yaml"]!
        try edit(["prims/alpha.yaml": alpha.replacingOccurrences(of: "port: 3201", with: "port: 3204")])
        // The new version starts on 3204 beside the old one on 3201; the route moves, then the old one stops.
        let result = try applyProbingAlpha("it moved from port 3201 to 3204")
        XCTAssertTrue(result.stdout.contains("unit.prim-alpha@.service: Restart complete"), result.stdout)
        XCTAssertEqual((try? HTTPClient.request("GET", "http://127.0.0.1:3204/"))?.status, 200)
        XCTAssertNil(
            try? HTTPClient.request("GET", "http://127.0.0.1:3201/", timeout: 1), "nothing listens on the old port")
        XCTAssertEqual(try testbed.versions("alpha").running.count, 1, "the old version stopped after the hand-over")
        try diffIsClean()
    }

    /// Applies while a probe asks for alpha through Caddy every 20 ms; alpha must never fail to answer.
    func applyProbingAlpha(_ while: String) throws -> CommandResult {
        let caddy = testbed.environment["CADDY_HTTP"]!
        let prober = Prober.through(caddy, host: "alpha.prim.test", expect: "alpha.sh")
        let result = try apply()
        let (answered, failed) = prober.stop()
        XCTAssertGreaterThan(answered, 0, "the prober reached alpha during the apply (\(`while`))")
        XCTAssertEqual(
            failed, 0,
            "alpha never stopped answering while \(`while`) (\(answered) answers): \(prober.failures)\n\(result.stdout)"
        )
        XCTAssertLessThanOrEqual(
            prober.lost, 1, "at most one connection was lost in Caddy's listener swap: \(prober.failures)")
        return result
    }

    func testSecretRotationRestartsOnlyItsPrims() throws {
        try apply()
        let alpha = try testbed.invocation("prim-alpha.service")
        let beta = try testbed.invocation("prim-beta.service")
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "second-secret").status, 0)
        // alpha restarts in place: Caddy holds requests that arrive in the gap until the new process listens.
        let result = try applyProbingAlpha("it restarted for a new secret")
        XCTAssertFalse(result.stdout.contains("second-secret") || result.stdout.contains("first-secret"))
        XCTAssertNotEqual(try testbed.invocation("prim-alpha.service"), alpha)
        XCTAssertEqual(try testbed.invocation("prim-beta.service"), beta)
        try diffIsClean()
    }

    func testAPrimBlockedForAMissingSecretKeepsItsRouteWhenOthersChange() throws {
        try apply()
        try FileManager.default.removeItem(atPath: "\(testbed.dataDir)/secrets/API_KEY")
        try edit(ConvergedState.files(betaPort: 3212))
        let result = try apply(expect: 0)
        XCTAssertTrue(
            result.stdout.contains("Warning: prim 'alpha' is not deployed: env API_KEY has no value"), result.stdout)
        XCTAssertTrue(
            result.stdout.contains("caddy_config.caddy: Reload complete"),
            "beta's route moved: Caddy was loaded\n\(result.stdout)")
        XCTAssertEqual(
            testbed.viaCaddy("alpha.prim.test").1, "{\"service\": \"alpha.sh\", \"status\": \"ok\"}",
            "alpha keeps its live route")
        XCTAssertEqual(testbed.viaCaddy("beta.prim.test").1, "{\"service\": \"beta.sh\", \"status\": \"ok\"}")
    }

    func testRemovedPrimIsPrunedAndOthersUntouched() throws {
        try apply()
        let alpha = try testbed.invocation("prim-alpha.service")
        try FileManager.default.removeItem(atPath: "\(state)/prims/beta.yaml")
        let result = try apply()
        XCTAssertTrue(
            result.stdout.hasSuffix("Apply complete! Resources: 0 added, 1 changed, 4 destroyed.\n"), result.stdout)
        XCTAssertEqual(try testbed.unitProperty("prim-beta.service", "LoadState"), "not-found")
        for path in [
            "\(testbed.unitDir)/prim-beta@.service", "\(testbed.unitDir)/multi-user.target.wants/prim-beta.service",
            "\(testbed.fragmentDir)/beta.caddy", "\(testbed.envDir)/beta.env",
        ] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: path), path)
        }
        XCTAssertFalse(
            try FileManager.default.contentsOfDirectory(atPath: "\(testbed.dataDir)/releases").contains {
                $0.hasPrefix("beta-")
            })
        let inventory = try String(contentsOfFile: "\(testbed.dataDir)/inventory.json", encoding: .utf8)
        XCTAssertFalse(inventory.contains("beta"), inventory)
        XCTAssertEqual(try testbed.invocation("prim-alpha.service"), alpha)
        XCTAssertFalse(testbed.viaCaddy("beta.prim.test").1.contains("beta.sh"), "the route is gone")
        try diffIsClean()
    }

    func testFailingCommandExits4WithJournalAndOthersServe() throws {
        try edit([
            "prims/gamma.yaml": """
            id: gamma
            status: live
            port: 3204
            deploy:
              command: /usr/bin/python3 -c "print('gamma cannot start - missing config', flush=True); raise SystemExit(3)"
              health: { timeout: 3 }

            """
        ])
        let result = try apply(expect: 4)
        XCTAssertTrue(result.stdout.contains("prim gamma: health gate FAILED"), result.stdout)
        XCTAssertTrue(result.stdout.contains("│ gamma cannot start - missing config"), result.stdout)
        XCTAssertTrue(result.stdout.contains("Apply finished with failures"), result.stdout)
        XCTAssertEqual(testbed.viaCaddy("alpha.prim.test").0, 200)
        XCTAssertEqual(testbed.viaCaddy("beta.prim.test").0, 200)
    }

    func testBrokenNewVersionOfALivePrimNeverReplacesTheRunningOne() throws {
        try apply()
        let alpha = try testbed.invocation("prim-alpha.service")
        let unit = try String(contentsOfFile: "\(testbed.unitDir)/prim-alpha@.service", encoding: .utf8)
        let broken = ConvergedState.files()["prims/alpha.yaml"]!.replacingOccurrences(
            of: "command: /usr/bin/python3 packages/stub/server.py --name alpha.sh --paid \"POST /v1/work\"",
            with: "command: /usr/bin/python3 -c \"print('alpha v2 cannot start', flush=True); raise SystemExit(3)\"")
        XCTAssertNotEqual(broken, ConvergedState.files()["prims/alpha.yaml"]!)
        try edit([
            "prims/alpha.yaml": broken,
            "prims/beta.yaml": ConvergedState.files(betaDescription: "beta v2")["prims/beta.yaml"]!,
        ])
        let result = try apply(expect: 4)
        XCTAssertTrue(result.stdout.contains("the new version failed its gate on port"), result.stdout)
        XCTAssertTrue(result.stdout.contains("the running version keeps serving"), result.stdout)
        XCTAssertTrue(
            result.stdout.contains("│ alpha v2 cannot start"), "the new version's journal is shown: \(result.stdout)")
        XCTAssertEqual(try testbed.invocation("prim-alpha.service"), alpha, "the running alpha was never restarted")
        XCTAssertEqual(
            try String(contentsOfFile: "\(testbed.unitDir)/prim-alpha@.service", encoding: .utf8), unit,
            "nor its unit rewritten")
        XCTAssertTrue(testbed.viaCaddy("alpha.prim.test").1.contains("alpha.sh"))
        XCTAssertTrue(
            try String(contentsOfFile: "\(testbed.unitDir)/prim-beta@.service", encoding: .utf8).contains("beta v2"),
            "the other prim went ahead")
        XCTAssertEqual(
            try testbed.versions("alpha").running.map(\.unit), [try testbed.unit("alpha")],
            "the failed version does not run")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: testbed.envDir).filter { $0.hasPrefix("alpha@") }.count,
            1,
            "only the serving version's env file is left")
        let diff = try testbed.primctl(["diff", "--state", state])
        XCTAssertEqual(diff.status, 2, "alpha's change is still pending: \(diff.stdout)")
    }

    func testInvalidCaddyConfigIsRejectedBeforeAnythingIsWritten() throws {
        try apply()
        let files = testbed.liveFiles()
        let times = testbed.liveFileTimes()
        let config = try testbed.caddyConfig()
        var alpha = ConvergedState.files()["prims/alpha.yaml"]!
        // Structurally fine (validate passes it), but Caddy refuses the size.
        alpha +=
            "  extra_caddy:\n    - |\n      bad.prim.test {\n        request_body {\n          max_size lots\n        }\n      }\n"
        try edit(["prims/alpha.yaml": alpha])
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "changed-too").status, 0)
        let result = try apply(expect: 1)
        XCTAssertTrue(result.stderr.contains("Caddy rejected the new config, so nothing was written"), result.stderr)
        XCTAssertTrue(result.stderr.contains("parsing max_size"), result.stderr)
        XCTAssertEqual(try testbed.caddyConfig(), config, "the live Caddy config is byte-identical")
        XCTAssertEqual(testbed.liveFiles(), files)
        XCTAssertEqual(testbed.liveFileTimes(), times)
    }

    func testNoTerminalNeedsYes() throws {
        let result = try testbed.primctl(["apply", "--state", state])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("apply needs --yes when standard input is not a terminal"), result.stderr)
        XCTAssertTrue(testbed.liveFiles().isEmpty)
    }

    func testJSONEventStream() throws {
        let result = try apply(expect: 0, ["--format", "json"])
        let events = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        XCTAssertEqual(events.count, result.stdout.split(separator: "\n").count, "every line is one JSON event")
        XCTAssertEqual(events.first?["event"] as? String, "plan")
        XCTAssertEqual(events.last?["event"] as? String, "finished")
        XCTAssertEqual(events.last?["outcome"] as? String, "converged")
        XCTAssertTrue(
            events.contains {
                $0["event"] as? String == "gate" && $0["prim"] as? String == "alpha" && $0["passed"] as? Bool == true
            })
        XCTAssertEqual(events.filter { $0["event"] as? String == "step" }.count, 9)
    }
}
