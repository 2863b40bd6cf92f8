import Foundation
import PrimEngine
import PrimGates
import PrimSystem
import XCTest

/// Conformance to routes_map on a real systemd manager: each prim's declared routes are asked,
/// unpaid, after it starts; what answers otherwise than declared fails its gate, the route named.
final class ConformanceTests: FreshTestbedCase {
    static let payTo = "0x000000000000000000000000000000000000dEaD"

    func prim(_ id: String, port: Int, routes: String, stub: String) -> String {
        """
        id: \(id)
        name: \(id).sh
        status: live
        port: \(port)
        env: [PRIM_PAY_TO, PRIM_NETWORK]
        pricing:
          - { op: "Work", price: "$0.01" }
        routes_map:
        \(routes)
        deploy:
          command: /usr/bin/python3 packages/stub/server.py --name \(id).sh \(stub)
          health: { timeout: 5 }

        """
    }

    /// The last generation's gate results, by prim, as `primctl status --format json` shows them.
    func gates() throws -> [String: [String: Any]] {
        let status = try testbed.primctl(["status", "--format", "json"])
        XCTAssertEqual(status.status, 0, status.stderr)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let gates = try XCTUnwrap((document["last_generation"] as? [String: Any])?["gates"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: gates.map { ($0["prim"] as! String, $0) })
    }

    func testAWrongPayToA200OnAPaidRouteAndA500OnAFreeRouteEachFailNamingTheRoute() throws {
        let paid = "  - route: POST /v1/work\n    errors: [{ status: 402, code: payment_required }]"
        let free = "  - route: GET /v1/info\n    status: 200"
        var files = ConvergedState.files()
        files["hosts/t.yaml"]! += "env:\n  PRIM_PAY_TO: \"\(Self.payTo)\"\n  PRIM_NETWORK: \"eip155:84532\"\n"
        files["prims/wrongpay.yaml"] = prim(
            "wrongpay", port: 3221, routes: paid,
            stub: "--paid \"POST /v1/work\" --pay-to 0x1111111111111111111111111111111111111111")
        files["prims/paidok.yaml"] = prim("paidok", port: 3222, routes: paid, stub: "--ok \"POST /v1/work\"")
        files["prims/freefail.yaml"] = prim("freefail", port: 3223, routes: free, stub: "--fail \"GET /v1/info\"")
        files["prims/good.yaml"] = prim(
            "good", port: 3224, routes: paid + "\n" + free, stub: "--paid \"POST /v1/work\" --ok \"GET /v1/info\"")
        state = try writeTree(files)
        let apply = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertNotEqual(apply.status, 0, "enforced gates failed: \(apply.stdout)")

        let gates = try gates()
        let expected = [
            "wrongpay": (
                "POST /v1/work",
                "pays to 0x1111111111111111111111111111111111111111, but the host's PRIM_PAY_TO is \(Self.payTo)"
            ),
            "paidok": (
                "POST /v1/work", "POST /v1/work without payment answered 200, expected 402 with an x402 challenge"
            ),
            "freefail": ("GET /v1/info", "GET /v1/info without payment answered 500: a free route must not fail"),
        ]
        for (prim, (route, why)) in expected {
            let gate = try XCTUnwrap(gates[prim], prim)
            XCTAssertEqual(gate["passed"] as? Bool, false, prim)
            XCTAssertTrue((gate["message"] as? String ?? "").contains(why), "\(prim): \(gate["message"] ?? "")")
            let routes = try XCTUnwrap(gate["routes"] as? [[String: Any]], prim)
            XCTAssertEqual(routes.map { $0["route"] as? String }, [route], prim)
            XCTAssertEqual(routes.first?["outcome"] as? String, "failed", prim)
        }
        let good = try XCTUnwrap(gates["good"])
        XCTAssertEqual(good["passed"] as? Bool, true, "\(good["message"] ?? "")")
        XCTAssertEqual((good["routes"] as? [[String: Any]])?.map { $0["outcome"] as? String }, ["passed", "passed"])
        // The failing routes are what the apply printed too.
        XCTAssertTrue(
            apply.stdout.contains("POST /v1/work without payment answered 200")
                || apply.stderr.contains("POST /v1/work without payment answered 200"),
            apply.stdout + apply.stderr)
    }

    func testALivePrimsNewVersionThatDoesNotConformNeverReplacesTheRunningOne() throws {
        let first = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        let running = try testbed.invocation("prim-alpha.service")
        // The new version forgets that POST /v1/work is paid: it answers 404 there.
        var files = ConvergedState.files()
        files["prims/alpha.yaml"] = files["prims/alpha.yaml"]!.replacingOccurrences(
            of: " --paid \"POST /v1/work\"", with: " --ok \"GET /nothing\"")
        XCTAssertNotEqual(files["prims/alpha.yaml"], ConvergedState.files()["prims/alpha.yaml"])
        try write(Array(files["prims/alpha.yaml"]!.utf8), to: "\(state)/prims/alpha.yaml")
        let second = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(second.status, 4, second.stdout + second.stderr)
        let alpha = try XCTUnwrap(try gates()["alpha"])
        XCTAssertEqual(alpha["passed"] as? Bool, false)
        let message = alpha["message"] as? String ?? ""
        XCTAssertTrue(message.contains("the new version failed its gate"), message)
        XCTAssertTrue(message.contains("POST /v1/work without payment answered 404, expected 402"), message)
        XCTAssertEqual((alpha["routes"] as? [[String: Any]])?.first?["outcome"] as? String, "failed")
        XCTAssertEqual(try testbed.invocation("prim-alpha.service"), running, "the running version was never restarted")
        XCTAssertEqual(testbed.viaCaddy("alpha.prim.test", "POST", "/v1/work").0, 402, "and it still charges")
    }

    /// Answers a lenient reader would misread, over a real socket: the HTTP client and the judge
    /// together must refuse each (agents' own x402 clients read them another way: they pay
    /// someone else, pay more, or never see the challenge), and pass the honest one.
    func testChallengesThatClientsReadOtherwiseFail() throws {
        let expect = ChallengeExpectation(
            payTo: "0x000000000000000000000000000000000000dEaD", network: "eip155:84532", prices: [10000])
        let probe = ConformanceProbe(route: "GET /v1/paid", method: "GET", path: "/v1/paid", paid: true, price: nil)
        let tricks = [
            "dup_payto": "names the key 'payTo' twice in one object",
            "dup_amount": "names the key 'amount' twice in one object",
            "dup_accepts": "names the key 'accepts' twice in one object",
            "hdr_reset": "is not base64 JSON of an x402 PaymentRequired",
            "trailer": "answered 402 without a PAYMENT-REQUIRED header",
            "trailer_empty": "answered 402 without a PAYMENT-REQUIRED header",
            "bom_dup": "is not base64 of one JSON object in plain UTF-8",
            "utf16_dup": "is not base64 of one JSON object in plain UTF-8",
            "early": "sent an interim 103 before its 402",
            "good": "",
        ]
        for (mode, expected) in tricks.sorted(by: { $0.key < $1.key }) {
            let port = try freePort()
            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            server.arguments = [Paths.repo("Tests/Fixtures/hostile-prims/x402-tricks.py"), mode]
            server.environment = ["PORT": String(port), "PRIM_NETWORK": "eip155:84532", "PRIM_PAY_TO": expect.payTo!]
            server.standardOutput = FileHandle.nullDevice
            try server.run()
            defer { server.terminate(); server.waitUntilExit() }
            let deadline = Date().addingTimeInterval(10)
            while (try? HTTPClient.request("GET", "http://127.0.0.1:\(port)/", timeout: 1))?.status != 200
                && Date() < deadline
            { usleep(50_000) }
            let response = try HTTPClient.request("GET", "http://127.0.0.1:\(port)/v1/paid", timeout: 5)
            let result = Conformance.judge(
                probe, expect, status: response.status, headers: response.headers, interim: response.interim)
            if expected.isEmpty {
                XCTAssertEqual(result.outcome, .passed, "\(mode): \(result.message)")
            } else {
                XCTAssertEqual(result.outcome, .failed, "\(mode): \(result.message)")
                XCTAssertTrue(result.message.contains(expected), "\(mode): \(result.message) should say: \(expected)")
            }
        }
    }
}
