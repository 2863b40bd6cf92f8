import Foundation
import PrimEngine
import PrimGates
import PrimModel
import PrimStatus
import PrimX402
import XCTest

/// What one unpaid request's answer means for a declared route (pure: no server).
final class ConformanceTests: XCTestCase {
    static let payTo = "0x000000000000000000000000000000000000dEaD"
    let expect = ChallengeExpectation(payTo: payTo, network: "eip155:84532", prices: [10000, 5000])
    let paid = ConformanceProbe(route: "POST /v1/search", method: "POST", path: "/v1/search", paid: true, price: nil)
    let free = ConformanceProbe(route: "GET /v1/info", method: "GET", path: "/v1/info", paid: false, price: nil)

    func offer(
        network: String = "eip155:84532", asset: String = "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
        amount: String = "10000", payTo: String = payTo, scheme: String = "exact", token: String? = nil
    ) -> PaymentRequirements {
        let name = token ?? (network == "eip155:8453" ? "USD Coin" : "USDC")
        return PaymentRequirements(
            scheme: scheme, network: network, asset: asset, amount: amount, payTo: payTo, maxTimeoutSeconds: 60,
            extra: ["name": .string(name), "version": .string("2")])
    }

    func challenge(
        network: String = "eip155:84532", asset: String = "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
        amount: String = "10000", payTo: String = payTo, scheme: String = "exact", token: String? = nil
    ) -> [String: String] {
        challenge([offer(network: network, asset: asset, amount: amount, payTo: payTo, scheme: scheme, token: token)])
    }

    func challenge(_ offers: [PaymentRequirements]) -> [String: String] {
        [
            "payment-required": HeaderCoding.encode(
                PaymentRequired(error: "payment required", resource: nil, accepts: offers))
        ]
    }

    func judge(_ probe: ConformanceProbe, _ status: Int?, _ headers: [String: String] = [:]) -> RouteResult {
        Conformance.judge(probe, expect, status: status, headers: headers)
    }

    /// Only requests that cannot change data are sent: paid routes (unpaid), free GET and HEAD,
    /// and free routes the prim marks safe to repeat.
    func testAFreeRouteThatCanChangeDataIsNotAsked() throws {
        let state = StateLoader.load(
            StateSnapshot(entries: [
                "prims/notes.yaml": .file(
                    Array(
                        """
                        id: notes
                        routes_map:
                          - { route: POST /v1/notes, status: 201 }
                          - { route: DELETE /v1/notes/:id, example: /v1/notes/n1 }
                          - { route: GET /v1/notes }
                          - { route: HEAD /v1/notes }
                          - { route: PUT /v1/ping, safe_to_repeat: true }
                          - { route: POST /v1/work, errors: [{ status: 402, code: payment_required }] }

                        """.utf8))
            ]))
        XCTAssertEqual(state.errors, [])
        let probes = Conformance.probes(try XCTUnwrap(state.state.prim("notes")))
        XCTAssertEqual(
            probes.map { "\($0.route) \($0.unasked == nil ? "asked" : "not asked")" },
            [
                "POST /v1/notes not asked", "DELETE /v1/notes/:id not asked", "GET /v1/notes asked",
                "HEAD /v1/notes asked",
                "PUT /v1/ping asked", "POST /v1/work asked",
            ])
        let result = judge(probes[0], nil)
        XCTAssertEqual(result.outcome, .skipped)
        XCTAssertTrue(result.message.contains("mark the route 'safe_to_repeat: true'"), result.message)
        let paidAndSafe = StateLoader.load(
            StateSnapshot(entries: [
                "prims/a.yaml": .file(
                    Array(
                        "id: a\nroutes_map:\n  - { route: POST /v1/w, safe_to_repeat: true, errors: [{ status: 402 }] }\n"
                            .utf8))
            ]))
        XCTAssertEqual(paidAndSafe.errors.map { "\($0.code) \($0.line):\($0.column)" }, ["invalid-safe-to-repeat 3:42"])
        // A DELETE is never safe to send; a GET the prim says is not safe is not sent.
        let marked = StateLoader.load(
            StateSnapshot(entries: [
                "prims/a.yaml": .file(
                    Array(
                        "id: a\nroutes_map:\n  - { route: DELETE /v1/x, safe_to_repeat: true }\n  - { route: GET /v1/roll, safe_to_repeat: false }\n"
                            .utf8))
            ]))
        XCTAssertEqual(marked.errors.map(\.code), ["invalid-safe-to-repeat"])
        let roll = Conformance.probes(try XCTUnwrap(marked.state.prim("a")))[1]
        XCTAssertEqual(roll.unasked, "GET /v1/roll was not asked: the prim marks it 'safe_to_repeat: false'")
    }

    func testAValidChallengePasses() {
        let result = judge(paid, 402, challenge())
        XCTAssertEqual(result.outcome, .passed, result.message)
        XCTAssertEqual(result.route, "POST /v1/search")
        XCTAssertEqual(result.status, 402)
        // The payTo is compared as an address, not as text.
        XCTAssertEqual(judge(paid, 402, challenge(payTo: Self.payTo.lowercased())).outcome, .passed)
    }

    func testAWrongPayToFailsNamingTheRoute() {
        let result = judge(paid, 402, challenge(payTo: "0x1111111111111111111111111111111111111111"))
        XCTAssertEqual(result.outcome, .failed)
        XCTAssertTrue(result.message.hasPrefix("POST /v1/search without payment"), result.message)
        XCTAssertTrue(
            result.message.contains(
                "pays to 0x1111111111111111111111111111111111111111, but the host's PRIM_PAY_TO is \(Self.payTo)"),
            result.message)
    }

    func testAPaidRouteAnswering200Fails() {
        let result = judge(paid, 200)
        XCTAssertEqual(result.outcome, .failed)
        XCTAssertEqual(
            result.message,
            "POST /v1/search without payment answered 200, expected 402 with an x402 challenge: the route is paid in routes_map"
        )
    }

    func testAFreeRouteAnswering500Fails() {
        let result = judge(free, 500)
        XCTAssertEqual(result.outcome, .failed)
        XCTAssertEqual(result.message, "GET /v1/info without payment answered 500: a free route must not fail")
        XCTAssertEqual(judge(free, 503).outcome, .failed)
    }

    func testAFreeRouteMayRefuseButNotCharge() {
        for status in [200, 201, 400, 404, 422] { XCTAssertEqual(judge(free, status).outcome, .passed, "\(status)") }
        let charged = judge(free, 402, challenge())
        XCTAssertEqual(charged.outcome, .failed)
        XCTAssertTrue(charged.message.contains("routes_map lists no 402"), charged.message)
        XCTAssertEqual(judge(free, nil).outcome, .failed)
    }

    func testEveryPartOfTheChallengeIsChecked() {
        let cases: [([String: String], String)] = [
            (
                challenge(network: "eip155:8453", asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"),
                "asks for network 'eip155:8453', but the host's PRIM_NETWORK is 'eip155:84532'"
            ),
            (challenge(asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"), "which is not USDC on eip155:84532"),
            (challenge(amount: "20000"), "asks for $0.02, which is none of the prim's prices ($0.01, $0.005)"),
            (challenge(amount: "0"), "expected a whole number of atomic units above zero"),
            (challenge(amount: "0.01"), "expected a whole number of atomic units above zero"),
            (challenge(payTo: "nobody"), "pays to 'nobody', which is not an address"),
            (
                challenge(payTo: "0x000000000000000000000000000000000000DEaD"),
                "which is not an address (0x and 40 hex digits, EIP-55 checksummed or in lower case)"
            ),
            (challenge(payTo: "0X000000000000000000000000000000000000dEaD"), "which is not an address"),
            (challenge(asset: "0x036cbd53842c5426634e7929541ec2318f3dcf7E"), "which is not USDC on eip155:84532"),
            (challenge(amount: "+10000"), "expected a whole number of atomic units above zero, in digits"),
            (challenge(amount: "010000"), "expected a whole number of atomic units above zero, in digits"),
            (
                challenge(token: "USD Coin"),
                "names the token's EIP-712 domain in 'extra' as name 'USD Coin', version '2'; USDC's on eip155:84532 is name 'USDC'"
            ),
            (
                challenge(network: "eip155:1"),
                "asks for network 'eip155:1', but the host's PRIM_NETWORK is 'eip155:84532'"
            ),
            (challenge(scheme: "upto"), "offers scheme 'upto', expected 'exact'"),
            ([:], "without a PAYMENT-REQUIRED header"),
            (["payment-required": "not base64 json"], "is not base64 JSON of an x402 PaymentRequired"),
            (
                ["payment-required": HeaderCoding.encode(PaymentRequired(error: nil, resource: nil, accepts: []))],
                "accepts no payment"
            ),
        ]
        for (headers, expected) in cases {
            let result = judge(paid, 402, headers)
            XCTAssertEqual(result.outcome, .failed, expected)
            XCTAssertTrue(result.message.contains(expected), "\(result.message) should say: \(expected)")
        }
    }

    /// An agent may take any offer of a challenge: each is judged, not only the one on the host's network.
    func testEveryOfferIsJudged() {
        let thief = "0x1111111111111111111111111111111111111111"
        let result = judge(
            paid, 402,
            challenge([
                offer(network: "eip155:8453", asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", payTo: thief),
                offer(),
            ]))
        XCTAssertEqual(result.outcome, .failed)
        XCTAssertTrue(
            result.message.contains("offer 1 pays to \(thief), but the host's PRIM_PAY_TO is \(Self.payTo)"),
            result.message)
        XCTAssertFalse(result.message.contains("offer 2"), result.message)
        XCTAssertEqual(
            judge(
                paid, 402,
                challenge([offer(network: "eip155:8453", asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"), offer()])
            ).outcome, .passed,
            "another known network paying the same wallet is a fair offer")
        let unknown = judge(paid, 402, challenge([offer(), offer(network: "eip155:1")]))
        XCTAssertTrue(
            unknown.message.contains("offer 2 asks for network 'eip155:1', which is not one prim knows"),
            unknown.message)
    }

    /// JSONDecoder keeps a repeated key's first value, x402's clients the last: a challenge that
    /// repeats a key (escaped or not) fails, whichever value comes first.
    func testAChallengeThatRepeatsAKeyFails() {
        let honest = String(
            decoding: HeaderCoding.json(PaymentRequired(error: nil, resource: nil, accepts: [offer()])), as: UTF8.self)
        let payTo = "\"payTo\":\"\(Self.payTo)\""
        for repeated in [
            "\"payTo\":\"0x1111111111111111111111111111111111111111\"",
            "\"pay\\u0054o\":\"0x1111111111111111111111111111111111111111\"",
        ] {
            let json = honest.replacingOccurrences(of: payTo, with: payTo + "," + repeated)
            XCTAssertNotEqual(json, honest)
            let result = judge(paid, 402, ["payment-required": Data(json.utf8).base64EncodedString()])
            XCTAssertEqual(result.outcome, .failed, json)
            XCTAssertTrue(result.message.contains("names the key 'payTo' twice in one object"), result.message)
        }
        // What Swift's decoder reads but x402's clients read otherwise, or not at all, fails; and a
        // malformed challenge is judged, not scanned forever.
        let duplicated = honest.replacingOccurrences(
            of: payTo, with: payTo + ",\"payTo\":\"0x1111111111111111111111111111111111111111\"")
        for bytes in [
            [0xEF, 0xBB, 0xBF] + Array(honest.utf8), [0xEF, 0xBB, 0xBF] + Array(duplicated.utf8),
            Array(duplicated.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] },
            Array(#"{"a":[}"#.utf8), Array(#"{"a" "b"}"#.utf8), Array(#"{"a":1}x"#.utf8), Array(#"[1,2]"#.utf8),
            Array(#"{"a":"x"#.utf8),
        ] {
            let result = judge(paid, 402, ["payment-required": Data(bytes).base64EncodedString()])
            XCTAssertEqual(result.outcome, .failed, String(decoding: bytes, as: UTF8.self))
        }
        XCTAssertTrue(
            judge(paid, 402, ["payment-required": Data([0xEF, 0xBB, 0xBF] + Array(honest.utf8)).base64EncodedString()])
                .message
                .contains("is not base64 of one JSON object in plain UTF-8"))
        let interim = Conformance.judge(paid, expect, status: 402, headers: challenge(), interim: [103])
        XCTAssertTrue(interim.message.contains("sent an interim 103 before its 402"), interim.message)
    }

    func testARoutePriceIsExact() {
        var probe = paid
        probe.price = 5000
        XCTAssertEqual(judge(probe, 402, challenge(amount: "5000")).outcome, .passed)
        let result = judge(probe, 402, challenge(amount: "10000"))
        XCTAssertEqual(result.outcome, .failed)
        XCTAssertTrue(result.message.contains("asks for $0.01, but the route's price is $0.005"), result.message)
    }

    func testWithoutHostValuesOrPricesOnlyTheShapeIsChecked() {
        let loose = ChallengeExpectation(payTo: nil, network: nil, prices: [])
        XCTAssertEqual(
            Conformance.judge(
                paid, loose, status: 402,
                headers: challenge(
                    network: "eip155:8453", asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
                    amount: "123")
            ).outcome, .passed)
    }

    func testProbesFollowRoutesMapAndSkipParametersWithoutExample() throws {
        let result = StateLoader.load(
            StateSnapshot(entries: [
                "prims/box.yaml": .file(
                    Array(
                        """
                        id: box
                        status: testing
                        port: 3300
                        pricing:
                          - { op: "Put", price: "$0.01" }
                          - { op: "Quote", price: "dynamic" }
                        routes_map:
                          - route: "PUT /v1/objects"
                            errors: [{ status: 402 }]
                          - route: "GET /v1/objects/:id"
                            errors: [{ status: 402 }]
                          - route: "DELETE /v1/objects/:id"
                            example: /v1/objects/obj_1
                            price: "$0.002"
                            errors: [{ status: 402 }]
                          - route: "GET /v1/info"

                        """.utf8))
            ]))
        XCTAssertTrue(result.isValid, "\(result.errors)")
        let prim = try XCTUnwrap(result.state.prim("box"))
        XCTAssertEqual(prim.prices, [10000])
        let probes = Conformance.probes(prim)
        XCTAssertEqual(probes.map(\.path), ["/v1/objects", nil, "/v1/objects/obj_1", "/v1/info"])
        XCTAssertEqual(probes.map(\.paid), [true, true, true, false])
        XCTAssertEqual(probes[2].price, 2000)
        let skipped = Conformance.judge(probes[1], expect, status: nil, headers: [:])
        XCTAssertEqual(skipped.outcome, .skipped)
        XCTAssertTrue(skipped.message.contains("add 'example:"), skipped.message)
    }
}
