import PrimEngine
import PrimModel
import PrimPlan
import PrimStatus
import XCTest

/// What a gate publishes (status pages, PRs' deployments) carries no secret a prim was given,
/// wherever the prim's answers put it; the host's own values, in git for anyone, stay readable.
final class RedactionTests: XCTestCase {
    func testASecretIsRedactedFromMessagesRoutesAndJournalButHostValuesStay() throws {
        let result = StateLoader.load(
            StateSnapshot(entries: [
                "hosts/h.yaml": .file(Array("domain: prim.test\nenv:\n  PRIM_NETWORK: eip155:84532\n".utf8)),
                "prims/leak.yaml": .file(
                    Array("id: leak\nstatus: testing\nport: 3300\nenv: [WALLET_KEY, PRIM_NETWORK]\n".utf8)),
                "secrets/WALLET_KEY.yaml": .file(Array("prims: [leak]\nexternal: true\n".utf8)),
            ]))
        XCTAssertEqual(result.errors, [])
        let key = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
        let host = try DesiredBuilder.host(result.state, named: nil)
        let built = DesiredBuilder.build(
            result.state, host: host, config: HostConfig(), secrets: ["WALLET_KEY": SecretValue(key, source: .store)])
        let rendering = try XCTUnwrap(built.renderings["leak"])
        var gate = GateResult(
            prim: "leak", passed: false, enforced: false,
            message: "1 of 1 declared routes do not conform: pays to '\(key)'", seconds: 1,
            routes: [
                RouteResult(
                    route: "GET /v1/x", outcome: .failed, status: 402,
                    message: "GET /v1/x without payment: the x402 challenge pays to '\(key)' on eip155:84532")
            ])
        gate.journal = ["starting with key \(key)"]
        let shown = rendering.redacting(gate)
        XCTAssertEqual(shown.message, "1 of 1 declared routes do not conform: pays to '[WALLET_KEY]'")
        XCTAssertEqual(
            shown.routes?.first?.message,
            "GET /v1/x without payment: the x402 challenge pays to '[WALLET_KEY]' on eip155:84532")
        XCTAssertEqual(shown.journal, ["starting with key [WALLET_KEY]"])

        // As messages quote a value: escaped, or cut to 63 characters.
        let long = String(repeating: "k", count: 80), quoted = "sk\"live\\quoted_secret_value"
        for secret in [long, quoted] {
            let rendering = try XCTUnwrap(
                DesiredBuilder.build(
                    result.state, host: host, config: HostConfig(),
                    secrets: ["WALLET_KEY": SecretValue(secret, source: .store)]
                ).renderings["leak"])
            let message = "pays to '\(Quoting.shown(secret))', which is not an address"
            XCTAssertEqual(rendering.redacting([message]), ["pays to '[WALLET_KEY]', which is not an address"], secret)
        }
    }
}
