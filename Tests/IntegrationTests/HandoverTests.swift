import Foundation
import PrimEngine
import PrimPlan
import PrimSystem
import XCTest

/// Every change of a running prim is a hand-over: its new version starts as an instance of the
/// prim's template beside the serving one, is gated, takes the route, and the old one stops. A
/// probe through Caddy every 10 ms, checking the body is the prim's own answer, sees no failure.
final class HandoverTests: FreshTestbedCase {
    var caddy: String { testbed.environment["CADDY_HTTP"]! }
    /// Connections lost in Caddy's listener swap during this test's loads (`Prober.lost`).
    var lost = 0

    /// Adds what `prober` lost in Caddy's listener swap; a test allows one.
    func count(lostBy prober: Prober, file: StaticString = #filePath, line: UInt = #line) {
        lost += prober.lost
        XCTAssertLessThanOrEqual(
            lost, 1, "at most one connection was lost in Caddy's listener swap in this test: \(prober.failures)",
            file: file, line: line)
    }

    @discardableResult
    func apply(expect status: Int32 = 0) throws -> CommandResult {
        let result = try testbed.primctl(["apply", "--state", state, "--yes", "--format", "json"])
        XCTAssertEqual(result.status, status, result.stdout + result.stderr)
        return result
    }

    func edit(_ files: [String: String]) throws {
        for (path, text) in files { try write(Array(text.utf8), to: "\(state)/\(path)") }
    }

    /// Applies while `prim` is probed through Caddy; asserts it never failed to answer.
    @discardableResult
    func applyProbing(_ prim: String, _ what: String, expect status: Int32 = 0) throws -> CommandResult {
        let prober = Prober.through(caddy, host: "\(prim).prim.test", expect: "\(prim).sh")
        let result = try apply(expect: status)
        let (answered, failed) = prober.stop()
        XCTAssertGreaterThan(answered, 0, "the prober reached \(prim) during \(what)")
        XCTAssertEqual(
            failed, 0, "\(prim) never failed to answer during \(what) (\(answered) answers): \(prober.failures)")
        count(lostBy: prober)
        return result
    }

    func reloads(_ result: CommandResult) -> Int {
        result.stdout.split(separator: "\n").filter { $0.contains("\"event\":\"daemon_reload\"") }.count
    }

    /// After an apply: the prim runs exactly one version, the one its route points at, and a
    /// second apply has nothing to do.
    func assertOneVersionServes(_ prim: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let versions = try testbed.versions(prim)
        XCTAssertEqual(
            versions.running.count, 1, "one version of \(prim) runs: \(versions.running.map(\.unit))", file: file,
            line: line)
        XCTAssertNotNil(
            versions.serving,
            "the route of \(prim) points at the version that runs (\(String(describing: versions.routedPort)))",
            file: file, line: line)
        let diff = try testbed.primctl(["diff", "--state", state])
        XCTAssertEqual(diff.status, 0, diff.stdout, file: file, line: line)
    }

    func testCodeEnvSecretSettingAndTestingPrimChangesDropNoRequestAndOnlySettingsReload() throws {
        try apply()
        let files = ConvergedState.files()

        try edit(["packages/alpha/VERSION": "2\n"])
        XCTAssertEqual(
            reloads(try applyProbing("alpha", "a code change")), 0, "a new release is a new instance: no daemon-reload")
        try assertOneVersionServes("alpha")

        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "second-secret").status, 0)
        let secret = try applyProbing("alpha", "a secret rotation")
        XCTAssertEqual(reloads(secret), 0, "a new secret is a new instance: no daemon-reload")
        XCTAssertFalse(secret.stdout.contains("second-secret"))
        try assertOneVersionServes("alpha")

        try edit([
            "hosts/t.yaml": files["hosts/t.yaml"]! + "env:\n  MODE: fast\n",
            "prims/alpha.yaml": files["prims/alpha.yaml"]!.replacingOccurrences(
                of: "env: [API_KEY]", with: "env: [API_KEY, MODE]"),
        ])
        XCTAssertEqual(
            reloads(try applyProbing("alpha", "an env change")), 0,
            "a new env value is a new instance: no daemon-reload")
        try assertOneVersionServes("alpha")

        let alpha = try String(contentsOfFile: "\(state)/prims/alpha.yaml", encoding: .utf8)
        try edit([
            "prims/alpha.yaml": alpha.replacingOccurrences(of: "  health:", with: "  memory_max: 256M\n  health:")
        ])
        XCTAssertEqual(
            reloads(try applyProbing("alpha", "a unit-setting change")), 1, "a template written: one daemon-reload")
        XCTAssertEqual(
            try testbed.unitProperty(
                try testbed.unit("alpha"), "MemoryMax", interface: "org.freedesktop.systemd1.Service"), "\(256 << 20)")
        try assertOneVersionServes("alpha")

        // A testing prim hands over the same way.
        try edit(["packages/beta/VERSION": "2\n"])
        XCTAssertEqual(reloads(try applyProbing("beta", "a testing prim's code change")), 0)
        try assertOneVersionServes("beta")
    }

    /// Files of a version that does not run (a `kill -9` between writing them and its start) are
    /// removed by the next apply, and never start at boot; versions are named with the host's key.
    func testFilesOfAVersionThatDoesNotRunAreSweptAndVersionNamesAreKeyed() throws {
        try apply()
        let stray = "prim-alpha@0123456789ab.service"
        let files = [
            "\(testbed.envDir)/alpha@0123456789ab.env", "\(testbed.dataDir)/versions/alpha@0123456789ab",
            "\(testbed.unitDir)/multi-user.target.wants/\(stray)",
        ]
        try write(Array("PORT=13201\nAPI_KEY=an-old-secret\n".utf8), to: files[0])
        try FileManager.default.createSymbolicLink(atPath: files[1], withDestinationPath: "\(testbed.dataDir)/releases")
        try FileManager.default.createSymbolicLink(
            atPath: files[2], withDestinationPath: "\(testbed.unitDir)/prim-alpha@.service")
        let result = try apply()
        XCTAssertFalse(result.stdout.contains("an-old-secret"))
        for file in files { XCTAssertNil(try? FileManager.default.attributesOfItem(atPath: file), "\(file) is gone") }
        try assertOneVersionServes("alpha")
        let key = try FileManager.default.attributesOfItem(atPath: "\(testbed.dataDir)/version.key")
        XCTAssertEqual((key[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    }

    func testAPortChangedTenTimesDropsNoRequest() throws {
        try apply()
        let alpha = ConvergedState.files()["prims/alpha.yaml"]!
        for round in 1...10 {
            let port = round % 2 == 1 ? 3204 : 3201
            try edit(["prims/alpha.yaml": alpha.replacingOccurrences(of: "port: 3201", with: "port: \(port)")])
            try applyProbing("alpha", "port change \(round) to \(port)")
            XCTAssertEqual(try testbed.versions("alpha").serving?.port, port, "round \(round)")
            try assertOneVersionServes("alpha")
        }
    }

    /// A new version that passes its gate and dies once it serves is caught by its settle, which
    /// runs while it already takes the traffic: the route goes back to the old version, which never
    /// stopped (the same run), none of the prim's changes are made (its template and env file are as
    /// they were), exit 4, and no request failed (Caddy tries the old version's port second). A
    /// `testing` prim's version that is down after its settle is reverted the same way (its gate
    /// only reports, but it does not take over when it is not up).
    func testAVersionThatDiesOnceItServesHandsTheRouteBack() throws {
        try apply()
        let files = ConvergedState.files()
        var old: [String: (unit: String, port: Int?, invocation: String, template: String)] = [:]
        for prim in ["alpha", "beta"] {
            let serving = try XCTUnwrap(try testbed.versions(prim).serving)
            old[prim] = (
                serving.unit, serving.port, try testbed.legacyUnitProperty(serving.unit, "InvocationID"),
                try String(contentsOfFile: "\(testbed.unitDir)/prim-\(prim)@.service", encoding: .utf8)
            )
        }
        let env = try String(contentsOfFile: "\(testbed.envDir)/alpha.env", encoding: .utf8)
        let alpha = files["prims/alpha.yaml"]!
        XCTAssertTrue(alpha.contains("--name alpha.sh"))
        try edit([
            "prims/alpha.yaml": alpha.replacingOccurrences(
                of: "--name alpha.sh", with: "--name alpha.sh --die-when-proxied"
            )
            .replacingOccurrences(of: "env: [API_KEY]", with: "env: [API_KEY, MODE]"),
            "hosts/t.yaml": files["hosts/t.yaml"]! + "env:\n  MODE: fast\n",
            "prims/beta.yaml": files["prims/beta.yaml"]!
                + "deploy:\n  command: /usr/bin/python3 packages/stub/server.py --name beta.sh --die-when-proxied\n",
        ])
        let beta = Prober.through(caddy, host: "beta.prim.test", expect: "beta.sh")
        let result = try applyProbing("alpha", "a version that dies once it serves", expect: 4)
        let (answered, failed) = beta.stop()
        XCTAssertGreaterThan(answered, 0)
        XCTAssertEqual(failed, 0, "beta never failed to answer (\(answered) answers): \(beta.failures)")
        count(lostBy: beta)
        XCTAssertTrue(result.stdout.contains("answered but did not stay up"), result.stdout)
        XCTAssertTrue(result.stdout.contains("the route went back to the running version"), result.stdout)
        for prim in ["alpha", "beta"] {
            let now = try testbed.versions(prim), before = old[prim]!
            XCTAssertEqual(now.running.map(\.unit), [before.unit], "only the old version of \(prim) runs")
            XCTAssertEqual(now.serving?.unit, before.unit)
            XCTAssertEqual(now.routedPort, before.port, "the route file names \(prim)'s old version's port again")
            XCTAssertEqual(
                try testbed.legacyUnitProperty(before.unit, "InvocationID"), before.invocation,
                "the old version of \(prim) never stopped")
            XCTAssertEqual(
                try String(contentsOfFile: "\(testbed.unitDir)/prim-\(prim)@.service", encoding: .utf8), before.template
            )
            XCTAssertTrue(
                testbed.viaCaddy("\(prim).prim.test").1.contains("\(prim).sh"), "\(prim) answers through Caddy")
        }
        XCTAssertEqual(
            try String(contentsOfFile: "\(testbed.envDir)/alpha.env", encoding: .utf8), env,
            "a reverted prim's env file is not written")
    }

    /// A port change whose new version fails its gate keeps the old version serving, and the
    /// route Caddy loads for it names no port the prim no longer has: its old hand-over port may be
    /// another prim's now.
    func testAKeptPortChangeRoutesToNoPortThePrimNoLongerHas() throws {
        try apply()
        XCTAssertTrue(try testbed.caddyConfig().contains("127.0.0.1:13201"), "alpha's route names its hand-over port")
        let alpha = ConvergedState.files()["prims/alpha.yaml"]!
        XCTAssertTrue(alpha.contains("port: 3201") && alpha.contains("health: { path: /, status: 200, timeout: 10 }"))
        try edit([
            "prims/alpha.yaml": alpha.replacingOccurrences(of: "port: 3201", with: "port: 3204")
                .replacingOccurrences(
                    of: "health: { path: /, status: 200, timeout: 10 }",
                    with: "health: { path: /, status: 204, timeout: 2 }")
        ])
        let result = try applyProbing("alpha", "a port change that fails its gate", expect: 4)
        XCTAssertTrue(result.stdout.contains("the running version keeps serving"), result.stdout)
        let config = try testbed.caddyConfig()
        XCTAssertTrue(config.contains("127.0.0.1:3201"), config)
        XCTAssertFalse(config.contains("127.0.0.1:13201"), "the old hand-over port is not routed to: \(config)")
        XCTAssertFalse(
            config.contains("127.0.0.1:3204") || config.contains("127.0.0.1:13204"),
            "nor the new ports, where nothing of alpha serves")
        XCTAssertEqual(try testbed.versions("alpha").serving?.port, 3201)
    }

    /// The same when the port the kept version serves on is one of the prim's new ports: the old
    /// second port still goes.
    func testAKeptPortChangeOntoTheServingPortRoutesToNoPortThePrimNoLongerHas() throws {
        try apply()
        try edit(["packages/alpha/VERSION": "2\n"])
        try applyProbing("alpha", "a code change")
        XCTAssertEqual(
            try testbed.versions("alpha").serving?.port, 13201, "the new version serves on the hand-over port")
        let alpha = ConvergedState.files()["prims/alpha.yaml"]!
        try edit([
            "prims/alpha.yaml": alpha.replacingOccurrences(of: "port: 3201", with: "port: 13201")
                .replacingOccurrences(
                    of: "health: { path: /, status: 200, timeout: 10 }",
                    with: "health: { path: /, status: 204, timeout: 2 }")
        ])
        try applyProbing("alpha", "a port change onto the serving port that fails its gate", expect: 4)
        let config = try testbed.caddyConfig()
        XCTAssertTrue(config.contains("127.0.0.1:13201"), config)
        XCTAssertFalse(config.contains("127.0.0.1:3201\""), "3201 is no port of alpha's now: \(config)")
        XCTAssertEqual(try testbed.versions("alpha").serving?.port, 13201)
    }

    /// `kill -9` of the apply while two versions run (the new one being gated, or the route just
    /// moved), then an apply: exactly one version serves, through its route, and no request failed.
    func testAnApplyKilledMidHandOverIsFinishedByTheNext() throws {
        try apply()
        for (round, when) in [(1, "the new version runs beside the old"), (2, "the route moved")] {
            let before = try testbed.versions("alpha")
            try edit(["packages/alpha/VERSION": "\(round)\n"])
            let prober = Prober.through(caddy, host: "alpha.prim.test", expect: "alpha.sh")
            let out = Paths.temporaryDirectory("prim-apply") + ".out"
            let pid = Command.spawn(
                Paths.primctl, ["apply", "--state", state, "--yes", "--config", testbed.config], stdout: out,
                stderr: out + ".err")
            let deadline = Date().addingTimeInterval(30)
            var killed = false
            while Date() < deadline {
                let now = try testbed.versions("alpha")
                let moved = now.routedPort != before.routedPort
                if now.running.count == 2 && (round == 1 || moved) {
                    kill(pid, SIGKILL)
                    killed = true
                    break
                }
                usleep(2_000)
            }
            _ = Command.wait(pid)
            XCTAssertTrue(
                killed,
                "the apply was caught while \(when): \((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")")
            try applyProbing("alpha", "the apply after a kill while \(when)")
            let (answered, failed) = prober.stop()
            XCTAssertEqual(
                failed, 0, "alpha never failed to answer across the kill (\(answered) answers): \(prober.failures)")
            count(lostBy: prober)
            try assertOneVersionServes("alpha")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: testbed.envDir).filter {
                $0.hasPrefix("alpha@")
            }
            XCTAssertEqual(
                leftovers, ["alpha@\(try testbed.versions("alpha").serving!.version).env"],
                "no file of another version is left")
        }
    }

    /// A host whose prims run as `prim-<id>.service` (before versions) converges in one apply: each
    /// prim hands over from its old unit, which is drained, stopped and removed.
    func testAHostOfUnitsBeforeVersionsMigratesInOneApplyDroppingNoRequest() throws {
        try apply()
        // Make alpha as an older prim deployed it: one unit reading <id>.env, a route to one port.
        let serving = try XCTUnwrap(try testbed.versions("alpha").serving)
        let template = try String(contentsOfFile: "\(testbed.unitDir)/prim-alpha@.service", encoding: .utf8)
        let link = "\(testbed.dataDir)/versions/alpha@\(serving.version)"
        let release = try FileManager.default.destinationOfSymbolicLink(atPath: link)
        let legacy = template.replacingOccurrences(of: "alpha@%i.env", with: "alpha.env")
            .replacingOccurrences(of: "SocketBindAllow=tcp:13201\n", with: "")
            .replacingOccurrences(
                of:
                    "BindReadOnlyPaths=\(link.replacingOccurrences(of: serving.version, with: "%i")):\(testbed.dataDir)/release",
                with: "BindReadOnlyPaths=\(release)"
            )
            .replacingOccurrences(
                of: "WorkingDirectory=\(testbed.dataDir)/release", with: "WorkingDirectory=\(release)")
        XCTAssertFalse(legacy.contains("%i"), legacy)
        XCTAssertEqual(try testbed.managerCall("StopUnit", "ss", [serving.unit, "replace"]).status, 0)
        for path in [
            "\(testbed.unitDir)/prim-alpha@.service", "\(testbed.unitDir)/multi-user.target.wants/\(serving.unit)",
            "\(testbed.envDir)/alpha@\(serving.version).env", link,
        ] {
            try FileManager.default.removeItem(atPath: path)
        }
        try write(Array(legacy.utf8), to: "\(testbed.unitDir)/prim-alpha.service")
        try FileManager.default.createSymbolicLink(
            atPath: "\(testbed.unitDir)/multi-user.target.wants/prim-alpha.service",
            withDestinationPath: "\(testbed.unitDir)/prim-alpha.service")
        let route = try String(contentsOfFile: "\(testbed.fragmentDir)/alpha.caddy", encoding: .utf8)
        try write(
            Array(
                route.replacingOccurrences(of: " 127.0.0.1:13201 {", with: " {")
                    .replacingOccurrences(of: "\t\t\tlb_policy first\n\t\t\tfail_duration 1s\n", with: "").utf8),
            to: "\(testbed.fragmentDir)/alpha.caddy")
        var inventory = try Inventory.load(dataDir: testbed.dataDir)
        inventory.remove(ResourceNames.unit("alpha"))
        inventory.add(ResourceNames.legacyUnit("alpha"), path: "\(testbed.unitDir)/prim-alpha.service")
        try inventory.save(dataDir: testbed.dataDir)
        XCTAssertEqual(try testbed.managerCall("Reload").status, 0)
        XCTAssertEqual(try testbed.managerCall("StartUnit", "ss", ["prim-alpha.service", "replace"]).status, 0)
        try testbed.reloadCaddy()
        let deadline = Date().addingTimeInterval(10)
        while !testbed.viaCaddy("alpha.prim.test").1.contains("alpha.sh") && Date() < deadline { usleep(20_000) }
        let old = try testbed.legacyUnitProperty("prim-alpha.service", "ActiveState")
        XCTAssertTrue(
            testbed.viaCaddy("alpha.prim.test").1.contains("alpha.sh"), "the old unit serves (it is \(old)): \(legacy)")

        let plan = try testbed.primctl(["diff", "--state", state])
        XCTAssertTrue(plan.stdout.contains("# prim-alpha@.service will be created"), plan.stdout + plan.stderr)
        XCTAssertTrue(plan.stdout.contains("# prim-alpha.service will be destroyed"), plan.stdout)
        XCTAssertFalse(plan.stdout.contains("is removed, and its data"), "a migration removes no prim: \(plan.stdout)")
        try applyProbing("alpha", "the migration from prim-alpha.service")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(testbed.unitDir)/prim-alpha.service"))
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: "\(testbed.unitDir)/multi-user.target.wants/prim-alpha.service"))
        XCTAssertNotEqual(try testbed.legacyUnitProperty("prim-alpha.service", "ActiveState"), "active")
        try assertOneVersionServes("alpha")
    }
}
