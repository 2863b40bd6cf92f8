import Foundation
import PrimSystem
import XCTest

/// Live means reachable by name over TLS: the testbed in https mode, where Caddy gets real
/// certificates from Pebble, which resolves names through the testbed's PowerDNS.
final class TLSTests: XCTestCase {
    /// `curl --cacert <Pebble's root>` to `name`, connecting to the address PowerDNS serves for it.
    func tls(_ testbed: Testbed, _ name: String) -> CommandResult? {
        guard let address = (try? PowerDNSAPI(testbed: testbed).dig(name))?.first else { return nil }
        let port = testbed.environment["CADDY_HTTPS"]!.split(separator: ":")[1]
        return try? Command.run(
            "/usr/bin/curl",
            [
                "-sS", "--max-time", "5", "--cacert", testbed.environment["PEBBLE_ROOT"]!,
                "--resolve", "\(name):\(port):\(address)", "https://\(name):\(port)/",
            ])
    }

    func caddyLog(_ testbed: Testbed, mentioning name: String) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: "\(testbed.directory)/logs/caddy.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.contains(name) }.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func testAnAgentsNewPrimGetsACertificateRightAfterItsRecordExists() throws {
        let testbed = try Testbed.up(https: true)
        defer { testbed.down() }
        let loop = try AgentLoop(testbed: testbed, files: DNSTests.files(prims: ["p1"]))
        defer { loop.stop() }
        let (primd, prsh) = (loop.primd, loop.prsh)

        let started = Date()
        let added = try prsh.open(["state/prims/gamma.yaml": Prims.yaml("gamma", port: 3420)], title: "Add gamma.sh")
        XCTAssertEqual(added.state, "merged", added.message)
        var answer = ""
        let seconds = primd.waitFor("gamma to answer by name over TLS", timeout: 60) {
            guard let result = tls(testbed, "gamma.prim.test"), result.status == 0 else { return false }
            answer = result.stdout
            return true
        }
        XCTAssertEqual(answer, "{\"service\": \"gamma.sh\", \"status\": \"ok\"}")
        print(
            "agent POST /v1/pr to an answer by name over TLS: \(String(format: "%.2f", Date().timeIntervalSince(started))) s (waited \(String(format: "%.2f", seconds)) s after the merge)"
        )

        // The record was created (and served) before the route was written and loaded.
        let log = primd.stderr.split(separator: "\n").map(String.init)
        let record = try XCTUnwrap(
            log.firstIndex { $0.hasSuffix("dns_record.gamma.prim.test/A: create done") }, log.joined(separator: "\n"))
        let route = try XCTUnwrap(log.firstIndex { $0.hasSuffix("caddy_fragment.gamma.caddy: create done") })
        let load = try XCTUnwrap(log[route...].firstIndex { $0.hasSuffix("caddy_config.caddy: reload done") })
        XCTAssertLessThan(record, route)
        XCTAssertLessThan(route, load)
        // Caddy's first order succeeded: no failed attempt, no backoff.
        let events = caddyLog(testbed, mentioning: "gamma.prim.test")
        XCTAssertTrue(events.contains { $0["msg"] as? String == "certificate obtained successfully" }, "\(events)")
        XCTAssertFalse(events.contains { $0["msg"] as? String == "will retry" }, "\(events)")
    }

    func testARouteLoadedBeforeItsRecordFailsItsOrderAndBacksOff() throws {
        let testbed = try Testbed.up(https: true)
        defer { testbed.down() }
        let state = try writeTree(DNSTests.files(prims: ["p1"]))
        defer { try? FileManager.default.removeItem(atPath: state) }
        XCTAssertEqual(try testbed.primctl(["apply", "--state", state, "--yes"]).status, 0)
        // Caddy orders p1's certificate once its route is loaded; it answers over TLS moments later.
        var p1 = tls(testbed, "p1.prim.test")
        let ready = Date().addingTimeInterval(30)
        while p1?.status != 0, Date() < ready {
            usleep(100_000)
            p1 = tls(testbed, "p1.prim.test")
        }
        XCTAssertEqual(p1?.stdout, "{\"service\": \"p1.sh\", \"status\": \"ok\"}")

        // Forced the wrong way round: a route for a name that has no record yet, loaded into Caddy.
        let header = try String(contentsOfFile: "\(testbed.directory)/caddy/header.caddy", encoding: .utf8)
        let config = header + "\nearly.prim.test {\n\trespond \"early\" 200\n}\n"
        let load = try HTTPClient.request(
            "POST", HTTPAddress(testbed.environment["CADDY_ADMIN"]!), "/load",
            headers: ["Content-Type": "text/caddyfile"], body: Array(config.utf8), timeout: 10)
        XCTAssertEqual(load.status, 200, load.text)
        var failure: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(30)
        while failure.isEmpty, Date() < deadline {
            failure =
                caddyLog(testbed, mentioning: "early.prim.test").first { $0["msg"] as? String == "will retry" } ?? [:]
            if failure.isEmpty { usleep(100_000) }
        }
        XCTAssertTrue((failure["error"] as? String ?? "").contains("Could not resolve URL"), "\(failure)")
        let wait = try XCTUnwrap(failure["retrying_in"] as? Double, "\(failure)")
        XCTAssertGreaterThanOrEqual(wait, 60, "Caddy backs off a minute or more after a failed order")
        print("a route loaded before its record: Caddy's order failed, next attempt in \(Int(wait)) s")

        // The record now exists and is served, but Caddy does not try again before its backoff ends.
        try PowerDNSAPI(testbed: testbed).replace(
            "prim.test", name: "early.prim.test", type: "A", contents: ["127.0.0.1"])
        XCTAssertEqual(try PowerDNSAPI(testbed: testbed).dig("early.prim.test"), ["127.0.0.1"])
        XCTAssertNotEqual(tls(testbed, "early.prim.test")?.status, 0, "no certificate: the name still fails over TLS")
    }
}
