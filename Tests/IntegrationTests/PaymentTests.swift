import Foundation
import PRService
import PrimSystem
import PrimX402
import XCTest

/// pr.sh with payments on: every change paid with x402 through the local facilitator (x402's own
/// verify and settle over a fake USDC ledger), paid by x402's own Python client or signed here
/// and spoiled. The payer a payment proves is the caller; nothing else names it.
final class PaymentTests: XCTestCase {
    var directory: String!
    var repo: StateRepository!
    var facilitator: LocalFacilitator!
    var prsh: PrshProcess!
    var alice: TestWallet!
    var bob: TestWallet!
    var carol: TestWallet!
    let payTo = "0x209693bc6afc0c5328ba36faf03c514ef312287c"
    let funds: UInt64 = 10_000_000

    override func setUpWithError() throws {
        directory = Paths.temporaryDirectory("prim-payments")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        alice = try TestWallet(TestWallet.keys[0], directory: directory)
        bob = try TestWallet(TestWallet.keys[1], directory: directory)
        carol = try TestWallet(TestWallet.keys[2], directory: directory)
        var files = ConvergedState.files()
        files["policy.yaml"] = "rate_limits: { per_hour: 3, per_day: 50 }\n"
        repo = try StateRepository(files: files)
        facilitator = try LocalFacilitator(
            mint: [alice.address: funds, bob.address: funds, carol.address: funds], directory: directory)
        prsh = try PrshProcess(
            repo: repo,
            payments: [
                "--payments", "on", "--pay-to", payTo, "--network", LocalFacilitator.network,
                "--facilitator", facilitator.url, "--chain-rpc", facilitator.rpcURL,
            ])
    }

    override func tearDown() {
        if let prsh { _ = prsh.stop() }
        facilitator?.stop()
        repo = nil
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    func manifest(_ id: String, port: Int, status: String = "testing", description: String? = nil) -> [String: Any] {
        PrshProcess.manifest(
            ["state/prims/\(id).yaml": Prims.yaml(id, port: port, status: status, description: description)],
            title: "Add \(id)")
    }

    func file(_ path: String) throws -> String? {
        let repository = try GitRepository.open(repo.bare)
        return try repository.file(path, at: repository.branchHead("main")!).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A payment for POST /v1/pr signed here from the challenge pr.sh sends, before any spoiling.
    func challenge(_ path: String = "/v1/pr", body: [String: Any]) throws -> PaymentRequirements {
        let answer = try prsh.request("POST", path, wallet: nil, body: body)
        XCTAssertEqual(answer.status, 402, answer.message)
        let header = try XCTUnwrap(answer.headers["payment-required"], "\(answer.headers)")
        let required = try XCTUnwrap(HeaderCoding.decode(PaymentRequired.self, from: header))
        return try XCTUnwrap(required.accepts.first)
    }

    func header(_ payment: PaymentPayload) -> [String: String] { ["PAYMENT-SIGNATURE": HeaderCoding.encode(payment)] }

    /// pr.sh restarted to wait 1 s for a settle (with the fake chain's lookup, or none), and a
    /// payment for a new prim whose settle times out there but goes through after: pr.sh answered
    /// 503 and did nothing; the transfer to pay-to is on the ledger. Returns the body and payment.
    func settleThatTimesOutButPays(chainRPC: Bool) throws -> (body: [String: Any], signature: String)? {
        _ = prsh.stop()
        prsh = try PrshProcess(
            repo: repo,
            payments: [
                "--payments", "on", "--pay-to", payTo, "--network", LocalFacilitator.network,
                "--facilitator", facilitator.url, "--facilitator-timeout", "1",
            ]
                + (chainRPC ? ["--chain-rpc", facilitator.rpcURL] : []))
        let body = manifest("gamma", port: 3206)
        let signature = try PythonPayer.sign(alice, "POST", prsh.url + "/v1/pr", json: body)
        try facilitator.mode("slow", delay: 3)
        let slow = try prsh.request(
            "POST", "/v1/pr", wallet: nil, body: body, headers: ["PAYMENT-SIGNATURE": signature])
        XCTAssertEqual(slow.status, 503, slow.message)
        XCTAssertTrue(prsh.records.isEmpty)
        // The facilitator finishes the transfer after pr.sh stopped waiting.
        guard try facilitator.waitForTransfers(1) else {
            XCTFail("the slow settle never committed")
            return nil
        }
        return (body, signature)
    }

    func now() -> UInt64 { UInt64(Date().timeIntervalSince1970) }

    func testAnUnpaidChangeGetsAChallengeThatX402sOwnClientPays() throws {
        let body = manifest("gamma", port: 3206)
        let unpaid = try prsh.request("POST", "/v1/pr", wallet: nil, body: body)
        XCTAssertEqual(unpaid.status, 402)
        XCTAssertEqual(unpaid.code, "payment_required")
        XCTAssertEqual(unpaid.headers["cache-control"], "no-store")
        let required = try XCTUnwrap(
            unpaid.headers["payment-required"].flatMap { HeaderCoding.decode(PaymentRequired.self, from: $0) })
        XCTAssertEqual(required.x402Version, 2)
        XCTAssertEqual(required.resource?.url, prsh.url + "/v1/pr")
        let terms = try XCTUnwrap(required.accepts.first)
        XCTAssertEqual(
            [terms.scheme, terms.network, terms.amount, terms.payTo.lowercased(), terms.asset],
            ["exact", "eip155:84532", "50000", payTo, "0x036CbD53842c5426634e7929541eC2318f3dCF7e"])
        XCTAssertEqual(terms.extra?["name"], .string("USDC"))
        XCTAssertTrue(prsh.records.isEmpty)

        // X-Wallet is not an identity when payments are on: naming bob changes nothing.
        let claimed = try prsh.request("POST", "/v1/pr", wallet: bob.address, body: body)
        XCTAssertEqual(claimed.status, 402)

        let paid = try PythonPayer.pay(alice, "POST", prsh.url + "/v1/pr", json: body)
        XCTAssertEqual(paid.status, 201, paid.raw)
        XCTAssertEqual(paid.body["state"] as? String, "merged", paid.raw)
        XCTAssertEqual(paid.body["author"] as? String, alice.address, paid.raw)
        XCTAssertEqual(paid.paymentResponse?["success"] as? Bool, true, paid.raw)
        XCTAssertEqual((paid.paymentResponse?["payer"] as? String)?.lowercased(), alice.address)
        XCTAssertEqual(try facilitator.balance(alice.address), funds - 50000)
        XCTAssertEqual(try facilitator.balance(payTo), 50000)
        XCTAssertEqual(try facilitator.settleCalls, 1)
        // The payer owns the prim it created, recorded by pr.sh in the merge commit.
        let owner = try XCTUnwrap(try file("state/owners/gamma.yaml"))
        XCTAssertTrue(owner.contains("wallet: \(alice.address)") && owner.contains("pr: 1"), owner)
        XCTAssertFalse(
            prsh.output.contains(
                try PythonPayer.sign(alice, "POST", prsh.url + "/v1/pr", json: manifest("delta", port: 3207)).prefix(40)
            ),
            "pr.sh logged a payment header")
    }

    func testPaymentsThatDoNotPayAreRefusedAndTakeNothing() throws {
        let body = manifest("gamma", port: 3206)
        let terms = try challenge(body: body)
        var spoiled: [(String, PaymentPayload)] = []

        var cheap = terms
        cheap.amount = "49999"
        spoiled.append(("a lower amount, accepted as such", try alice.wallet.pay(cheap, resource: nil, now: now())))
        var lying = try alice.wallet.pay(terms, resource: nil, now: now())
        lying.payload.authorization.value = "1"
        spoiled.append(("a lower value under the right terms", lying))
        var elsewhere = terms
        elsewhere.payTo = bob.wallet.address.checksummed
        var redirected = try alice.wallet.pay(elsewhere, resource: nil, now: now())
        redirected.accepted = terms
        spoiled.append(("a payment to another address", redirected))
        spoiled.append(("an expired authorization", try alice.wallet.pay(terms, resource: nil, now: now() - 3600)))
        var forged = try carol.wallet.pay(terms, resource: nil, now: now())
        forged.payload.authorization.from = alice.wallet.address.checksummed
        spoiled.append(("carol's signature for alice's address", forged))
        var twin = try alice.wallet.pay(terms, resource: nil, now: now())
        twin.payload.signature = Hex.encode(Secp256k1.twin(of: Hex.decode(twin.payload.signature)!))
        spoiled.append(("the high-s twin of a valid signature", twin))

        for (what, payment) in spoiled {
            let answer = try prsh.request("POST", "/v1/pr", wallet: nil, body: body, headers: header(payment))
            XCTAssertEqual(answer.status, 402, "\(what): \(answer.message)")
            XCTAssertNotNil(answer.headers["payment-required"], what)
        }
        let garbage = try prsh.request(
            "POST", "/v1/pr", wallet: nil, body: body, headers: ["PAYMENT-SIGNATURE": "not a payment"])
        XCTAssertEqual(garbage.status, 400, garbage.message)
        XCTAssertEqual(garbage.field, "PAYMENT-SIGNATURE")
        XCTAssertTrue(prsh.records.isEmpty)
        XCTAssertEqual(try facilitator.settleCalls, 0, "no refused payment reached the facilitator")
        XCTAssertEqual(try facilitator.balance(alice.address), funds)

        // A bad manifest is refused before payment, even with a good one attached.
        let good = try alice.wallet.pay(terms, resource: nil, now: now())
        let escape = PrshProcess.manifest(["state/../etc/passwd": "x"])
        let refused = try prsh.request("POST", "/v1/pr", wallet: nil, body: escape, headers: header(good))
        XCTAssertEqual(refused.status, 400, refused.message)
        XCTAssertNil(refused.headers["payment-response"])
        XCTAssertEqual(try facilitator.settleCalls, 0)

        // The same payment, unspoiled, pays once; sent again it is refused and charges nothing more.
        let first = try prsh.request("POST", "/v1/pr", wallet: nil, body: body, headers: header(good))
        XCTAssertEqual(first.status, 201, first.message)
        XCTAssertEqual(first.json["author"] as? String, alice.address)
        let again = try prsh.request(
            "POST", "/v1/pr", wallet: nil, body: manifest("delta", port: 3207), headers: header(good))
        XCTAssertEqual(again.status, 409, again.message)
        XCTAssertTrue(again.message.contains("already used"), again.message)
        XCTAssertEqual(prsh.records.count, 1)
        XCTAssertEqual(try facilitator.balance(alice.address), funds - 50000)
        XCTAssertEqual(try facilitator.settleCalls, 1)
    }

    func testOnePaymentSentTwentyTimesAtOnceMakesOnePRAndOneCharge() throws {
        let body = manifest("gamma", port: 3206)
        let signature = try PythonPayer.sign(alice, "POST", prsh.url + "/v1/pr", json: body)
        let bodies = (0..<20).map { try! JSONSerialization.data(withJSONObject: manifest("p\($0)", port: 3300 + $0)) }
        let statuses = Mutex20()
        let url = prsh.url
        DispatchQueue.concurrentPerform(iterations: 20) { index in
            let response = try? HTTPClient.request(
                "POST", url + "/v1/pr", headers: ["Content-Type": "application/json", "PAYMENT-SIGNATURE": signature],
                body: Array(bodies[index]), timeout: 60)
            statuses.append(response?.status ?? -1)
        }
        let all = statuses.values.sorted()
        XCTAssertEqual(all.filter { $0 == 201 }.count, 1, "\(all)")
        XCTAssertEqual(all.filter { $0 == 409 }.count, 19, "\(all)")
        XCTAssertEqual(prsh.records.count, 1)
        XCTAssertEqual(try facilitator.settleCalls, 1)
        XCTAssertEqual(try facilitator.transfers.count, 1)
        XCTAssertEqual(try facilitator.balance(alice.address), funds - 50000)
    }

    func testOnlyThePayerActsOnItsPRAndAChangeToAnotherWalletsPrimWaitsForItsOwner() throws {
        let created = try PythonPayer.pay(alice, "POST", prsh.url + "/v1/pr", json: manifest("gamma", port: 3206))
        XCTAssertEqual(created.body["state"] as? String, "merged", created.raw)

        // Bob changes alice's prim: green, but it waits for alice.
        let change = try PythonPayer.pay(
            bob, "POST", prsh.url + "/v1/pr", json: manifest("gamma", port: 3206, description: "bob was here"))
        XCTAssertEqual(change.status, 201, change.raw)
        XCTAssertEqual(change.body["state"] as? String, "open", change.raw)
        XCTAssertEqual(change.body["awaited_owners"] as? [String], [alice.address], change.raw)
        let number = try XCTUnwrap(change.body["pr_number"] as? Int)
        let settled = try facilitator.settleCalls

        // Carol may neither close, merge nor approve it; alice may not merge bob's PR. All free refusals.
        for (wallet, action) in [(carol!, "close"), (carol!, "merge"), (carol!, "approve"), (alice!, "merge")] {
            let answer = try PythonPayer.pay(wallet, "POST", prsh.url + "/v1/pr/\(number)/\(action)")
            XCTAssertEqual(answer.status, 403, "\(action) by \(wallet.address): \(answer.raw)")
        }
        // Bob cannot merge his own change to alice's prim either.
        let early = try PythonPayer.pay(bob, "POST", prsh.url + "/v1/pr/\(number)/merge")
        XCTAssertEqual(early.status, 403, early.raw)
        XCTAssertTrue("\(early.body)".contains("its owner \(alice.address) approves"), early.raw)
        XCTAssertEqual(try facilitator.settleCalls, settled, "refusals before payment charge nothing")
        XCTAssertEqual(try facilitator.balance(carol.address), funds)

        // Alice approves, paying: it merges, authored by bob.
        let approved = try PythonPayer.pay(alice, "POST", prsh.url + "/v1/pr/\(number)/approve")
        XCTAssertEqual(approved.status, 200, approved.raw)
        XCTAssertEqual(approved.body["state"] as? String, "merged", approved.raw)
        XCTAssertEqual(approved.body["author"] as? String, bob.address)
        XCTAssertEqual(try facilitator.settleCalls, settled + 1)
        XCTAssertTrue(try file("state/prims/gamma.yaml")?.contains("bob was here") ?? false)
        XCTAssertTrue(try file("state/owners/gamma.yaml")?.contains(alice.address) ?? false, "the owner stays alice")

        // An agent cannot write an owner record.
        let claim = PrshProcess.manifest(["state/owners/gamma.yaml": "wallet: \(carol.address)\n"])
        let refused = try PythonPayer.pay(carol, "POST", prsh.url + "/v1/pr", json: claim)
        XCTAssertEqual(refused.status, 403, refused.raw)
        XCTAssertEqual(try facilitator.balance(carol.address), funds)

        // A package folder belongs to its prim: files for a prim that does not exist are refused, free.
        let beforeSquat = try facilitator.settleCalls
        let squat = try PythonPayer.pay(
            carol, "POST", prsh.url + "/v1/pr", json: PrshProcess.manifest(["state/packages/zeta/NOTES.md": "hello\n"]))
        XCTAssertEqual(squat.status, 400, squat.raw)
        XCTAssertEqual(try facilitator.settleCalls, beforeSquat)
        XCTAssertNil(try file("state/packages/zeta/NOTES.md"))
        XCTAssertNil(try file("state/owners/zeta.yaml"), "no owner record for a prim that does not exist")

        // Merging a red PR is refused before payment.
        let red = try PythonPayer.pay(
            bob, "POST", prsh.url + "/v1/pr",
            json: PrshProcess.manifest([
                "state/prims/eta.yaml": Prims.yaml("eta", port: 3208).replacingOccurrences(
                    of: "port:", with: "env: [NOPE_KEY]\nport:")
            ]))
        XCTAssertEqual(red.body["green"] as? Bool, false, red.raw)
        let beforeRed = try facilitator.settleCalls
        let merge = try PythonPayer.pay(
            bob, "POST", prsh.url + "/v1/pr/\(try XCTUnwrap(red.body["pr_number"] as? Int))/merge")
        XCTAssertEqual(merge.status, 409, merge.raw)
        XCTAssertEqual(try facilitator.settleCalls, beforeRed)

        // Closing your own PR is a paid call that works.
        let other = try PythonPayer.pay(
            bob, "POST", prsh.url + "/v1/pr", json: manifest("gamma", port: 3206, description: "again"))
        let closed = try PythonPayer.pay(
            bob, "POST", prsh.url + "/v1/pr/\(try XCTUnwrap(other.body["pr_number"] as? Int))/close")
        XCTAssertEqual(closed.body["state"] as? String, "closed", closed.raw)
        XCTAssertEqual(closed.paymentResponse?["success"] as? Bool, true)

        // An owner may decline a stranger's change to its prim: a paid close.
        let stranger = try PythonPayer.pay(
            carol, "POST", prsh.url + "/v1/pr", json: manifest("gamma", port: 3206, description: "carol's"))
        XCTAssertEqual(stranger.body["state"] as? String, "open", stranger.raw)
        let declined = try PythonPayer.pay(
            alice, "POST", prsh.url + "/v1/pr/\(try XCTUnwrap(stranger.body["pr_number"] as? Int))/close")
        XCTAssertEqual(declined.status, 200, declined.raw)
        XCTAssertEqual(declined.body["state"] as? String, "closed", declined.raw)
    }

    func testRateLimitsHoldPerProvenPayer() throws {
        for index in 0..<3 {
            let answer = try PythonPayer.pay(
                alice, "POST", prsh.url + "/v1/pr", json: manifest("p\(index)", port: 3300 + index))
            XCTAssertEqual(answer.status, 201, answer.raw)
        }
        let settled = try facilitator.settleCalls
        let limited = try PythonPayer.pay(alice, "POST", prsh.url + "/v1/pr", json: manifest("p3", port: 3303))
        XCTAssertEqual(limited.status, 429, limited.raw)
        XCTAssertEqual(try facilitator.settleCalls, settled, "a rate-limited call is refused before payment")
        XCTAssertEqual(try facilitator.balance(alice.address), funds - 3 * 50000)
        // Another payer is not limited by alice's count.
        let other = try PythonPayer.pay(bob, "POST", prsh.url + "/v1/pr", json: manifest("p3", port: 3303))
        XCTAssertEqual(other.status, 201, other.raw)
    }

    func testASettlementThatIsNotConfirmedDoesNoWorkAndTheSamePaymentCompletesIt() throws {
        let body = manifest("gamma", port: 3206)
        let signature = try PythonPayer.sign(alice, "POST", prsh.url + "/v1/pr", json: body)
        try facilitator.mode("pending")
        let pending = try prsh.request(
            "POST", "/v1/pr", wallet: nil, body: body, headers: ["PAYMENT-SIGNATURE": signature])
        XCTAssertEqual(pending.status, 503, pending.message)
        XCTAssertEqual(pending.headers["retry-after"], "5")
        XCTAssertNil(pending.headers["payment-required"], "pr.sh does not ask for another payment")
        XCTAssertTrue(pending.message.contains("do not sign a new payment"), pending.message)
        XCTAssertTrue(prsh.records.isEmpty)

        try facilitator.mode("down")
        let down = try prsh.request(
            "POST", "/v1/pr", wallet: nil, body: body, headers: ["PAYMENT-SIGNATURE": signature])
        XCTAssertEqual(down.status, 503, down.message)
        XCTAssertTrue(prsh.records.isEmpty)

        try facilitator.mode("normal")
        let done = try prsh.request(
            "POST", "/v1/pr", wallet: nil, body: body, headers: ["PAYMENT-SIGNATURE": signature])
        XCTAssertEqual(done.status, 201, done.message)
        XCTAssertEqual(prsh.records.count, 1)
        XCTAssertEqual(try facilitator.transfers.count, 1)
        XCTAssertEqual(try facilitator.balance(alice.address), funds - 50000)
    }

    func testASettleThatTimesOutButWentThroughIsNotChargedAgainOrRefused() throws {
        guard let (body, signature) = try settleThatTimesOutButPays(chainRPC: true) else { return }
        try facilitator.mode("normal")
        let again = try prsh.request(
            "POST", "/v1/pr", wallet: nil, body: body, headers: ["PAYMENT-SIGNATURE": signature])
        XCTAssertEqual(again.status, 201, again.message)
        XCTAssertEqual(prsh.records.count, 1)
        XCTAssertEqual(try facilitator.balance(alice.address), funds - 50000, "charged once")
    }

    /// After a settle that gave no answer, the payer spends the same EIP-3009 nonce on a transfer to
    /// its own other address and resends the payment: the facilitator's "nonce already used" is no
    /// proof of payment; the chain shows the nonce paid someone else, and nothing is done.
    func testANonceSpentElsewhereAfterAnUnclearSettleGetsNoWork() throws {
        let body = manifest("gamma", port: 3206)
        let terms = try challenge(body: body)
        let nonce = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let payment = try alice.wallet.pay(terms, resource: nil, now: now(), nonce: nonce)
        try facilitator.mode("error500")
        let unclear = try prsh.request("POST", "/v1/pr", wallet: nil, body: body, headers: header(payment))
        XCTAssertEqual(unclear.status, 503, unclear.message)
        try facilitator.mode("normal")
        var own = terms
        own.payTo = carol.wallet.address.checksummed
        let spent = HTTPFacilitator(url: facilitator.url).settle(
            try alice.wallet.pay(own, resource: nil, now: now(), nonce: nonce),
            requirements: own, payer: alice.wallet.address)
        guard case .settled = spent else { return XCTFail("alice could not spend her own nonce: \(spent)") }
        for attempt in 1...2 {
            let again = try prsh.request("POST", "/v1/pr", wallet: nil, body: body, headers: header(payment))
            XCTAssertEqual(again.status, 402, "attempt \(attempt): \(again.message)")
            XCTAssertTrue(
                again.message.contains("nonce_spent_elsewhere") || again.message.contains("failed to settle"),
                again.message)
        }
        XCTAssertTrue(prsh.records.isEmpty, "no PR was opened")
        XCTAssertEqual(try facilitator.balance(payTo), 0, "pay-to received nothing")
        XCTAssertEqual(try facilitator.balance(carol.address), funds + 50000)
    }

    /// After an unclear settle that did pay, a later definite refusal (here the facilitator's 400
    /// verdict) is not taken as final: the chain shows the transfer, and the work is done, charged once.
    func testARefusalAfterAnUnclearSettleThatPaidStillGetsTheWork() throws {
        guard let (body, signature) = try settleThatTimesOutButPays(chainRPC: true) else { return }
        try facilitator.mode("verdict400")
        let again = try prsh.request(
            "POST", "/v1/pr", wallet: nil, body: body, headers: ["PAYMENT-SIGNATURE": signature])
        XCTAssertEqual(again.status, 201, again.message)
        XCTAssertEqual(prsh.records.count, 1)
        XCTAssertEqual(try facilitator.balance(alice.address), funds - 50000, "charged once")
    }

    /// Without a chain lookup, a payment reported used after an unclear settle is held: no work,
    /// no second charge, and the payer is told why.
    func testWithoutAChainLookupAnUnconfirmedPaymentIsHeld() throws {
        guard let (body, signature) = try settleThatTimesOutButPays(chainRPC: false) else { return }
        try facilitator.mode("normal")
        let held = try prsh.request(
            "POST", "/v1/pr", wallet: nil, body: body, headers: ["PAYMENT-SIGNATURE": signature])
        XCTAssertEqual(held.status, 503, held.message)
        XCTAssertTrue(held.message.contains("no chain lookup (--chain-rpc)"), held.message)
        XCTAssertNil(held.headers["payment-required"], "pr.sh does not ask for another payment")
        XCTAssertTrue(prsh.records.isEmpty, "no work without proof")
        XCTAssertEqual(try facilitator.balance(alice.address), funds - 50000, "charged once")
    }

    func testTwoPayersSendingTheSameChangeAtOncePayOnce() throws {
        let body = manifest("gamma", port: 3206)
        let signatures = try [alice!, bob!].map { try PythonPayer.sign($0, "POST", prsh.url + "/v1/pr", json: body) }
        try facilitator.mode("slow", delay: 1)
        let statuses = Mutex20()
        let url = prsh.url
        let data = Array(try JSONSerialization.data(withJSONObject: body))
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let response = try? HTTPClient.request(
                "POST", url + "/v1/pr",
                headers: ["Content-Type": "application/json", "PAYMENT-SIGNATURE": signatures[index]],
                body: data, timeout: 60)
            statuses.append(response?.status ?? -1)
        }
        XCTAssertEqual(statuses.values.sorted(), [201, 409])
        XCTAssertEqual(try facilitator.transfers.count, 1, "the one refused paid nothing")
    }

    func testAPaymentUsedBeforeARestartIsStillUsed() throws {
        let body = manifest("gamma", port: 3206)
        let signature = try PythonPayer.sign(alice, "POST", prsh.url + "/v1/pr", json: body)
        XCTAssertEqual(
            try prsh.request("POST", "/v1/pr", wallet: nil, body: body, headers: ["PAYMENT-SIGNATURE": signature])
                .status, 201)
        XCTAssertEqual(prsh.stop(), 0)
        prsh = try PrshProcess(
            repo: repo, dataDir: prsh.dataDir,
            payments: [
                "--payments", "on", "--pay-to", payTo, "--network", LocalFacilitator.network,
                "--facilitator", facilitator.url,
            ])
        let again = try prsh.request(
            "POST", "/v1/pr", wallet: nil, body: manifest("delta", port: 3207),
            headers: ["PAYMENT-SIGNATURE": signature])
        XCTAssertEqual(again.status, 409, again.message)
        XCTAssertEqual(try facilitator.settleCalls, 1)
    }
}

/// Collects statuses from concurrent requests.
final class Mutex20: @unchecked Sendable {
    let lock = NSLock()
    var values: [Int] = []
    func append(_ value: Int) { lock.lock(); values.append(value); lock.unlock() }
}
