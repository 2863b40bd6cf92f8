import Foundation
import PrimX402
import XCTest

@testable import PRService

/// The cashier's bookkeeping against a facilitator whose answers the test scripts (the wire to a
/// real one is PaymentTests'). Real signatures: the Swift wallet signs every payment.
final class PaymentDeskTests: XCTestCase {
    /// A facilitator that answers what the test tells it to, and counts settles.
    final class ScriptedFacilitator: Facilitator, @unchecked Sendable {
        let lock = NSLock()
        var answers: [SettleOutcome] = []
        var settles = 0

        func settle(_ payment: PaymentPayload, requirements: PaymentRequirements, payer: Address) -> SettleOutcome {
            lock.lock()
            defer { lock.unlock() }
            settles += 1
            return answers.isEmpty ? .unknown("no answer scripted") : answers.removeFirst()
        }
    }

    let wallet = Wallet(privateKeyHex: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")!
    let resource = ResourceInfo(url: "http://pr.sh/v1/pr")
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "desk-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    /// What a chain lookup answers, scripted (the integration tests ask the fake chain's JSON-RPC).
    struct ScriptedLookup: TransferLookup {
        var answer: TransferEvidence
        func evidence(
            payer: Address, nonce: String, payTo: Address, amount: UInt64, network: Network
        ) -> TransferEvidence { answer }
    }

    func desk(_ facilitator: ScriptedFacilitator, lookup: TransferLookup? = nil) throws -> PaymentDesk {
        try PaymentDesk(
            .init(network: .baseSepolia, payTo: Address("0x209693Bc6afc0C5328bA36FaF03C514EF312287C")!),
            facilitator: facilitator, lookup: lookup, journal: "\(directory)/payments.jsonl")
    }

    func settled() -> SettleOutcome {
        .settled(
            SettleResponse(
                success: true, payer: wallet.address.checksummed, transaction: "0xabc", network: "eip155:84532"))
    }

    func payment(_ desk: PaymentDesk) throws -> PaymentCheck.Verified {
        let header = HeaderCoding.encode(
            try wallet.pay(
                desk.requirements(price: 50000), resource: resource, now: UInt64(Date().timeIntervalSince1970)))
        return try desk.verify(header, price: 50000, resource: resource)
    }

    func testAPaymentSettledBeforeAStopFinishesOnlyItsOwnRequest() async throws {
        let facilitator = ScriptedFacilitator()
        facilitator.answers = [settled()]
        var cashier = try desk(facilitator)
        let verified = try payment(cashier)
        _ = try await cashier.settle(verified, price: 50000, request: "open A", resource: resource)
        // pr.sh stops before the work is recorded; a new process reads the journal.
        cashier = try desk(facilitator)
        do {
            _ = try await cashier.settle(verified, price: 50000, request: "open B", resource: resource)
            XCTFail("a settled payment paid for a different request")
        } catch {
            XCTAssertEqual(error.code, .conflict)
        }
        let receipt = try await cashier.settle(verified, price: 50000, request: "open A", resource: resource)
        XCTAssertEqual(receipt.payer, wallet.address.description)
        XCTAssertEqual(facilitator.settles, 1, "the recorded settlement is used, not settled again")
        cashier.finish(receipt, pullRequest: 1)
        do {
            _ = try await cashier.settle(verified, price: 50000, request: "open A", resource: resource)
            XCTFail("a used payment paid twice")
        } catch {
            XCTAssertEqual(error.code, .conflict)
        }
    }

    /// After an unclear settle, "nonce used" is proof of payment only with the chain's record of the
    /// transfer to payTo: paid → work; spent elsewhere → refused for good; unseen or no lookup → held.
    func testANonceReportedUsedAfterAnUnclearSettleNeedsTheChainsRecord() async throws {
        let cases: [(String, TransferLookup?, ServiceError.Code?)] = [
            ("the transfer to payTo is on chain", ScriptedLookup(answer: .paid(transaction: "0xfeed")), nil),
            ("the nonce paid someone else", ScriptedLookup(answer: .elsewhere(transaction: "0xbad")), .paymentRequired),
            ("nothing on chain yet", ScriptedLookup(answer: .notFound), .unavailable),
            ("the chain does not answer", ScriptedLookup(answer: .unknown("down")), .unavailable),
            ("no lookup configured", nil, .unavailable),
        ]
        for (name, lookup, refusal) in cases {
            let facilitator = ScriptedFacilitator()
            facilitator.answers = [
                .unknown("timed out"), .refused(reason: "invalid_exact_evm_nonce_already_used", message: "used", nil),
            ]
            try? FileManager.default.removeItem(atPath: "\(directory)/payments.jsonl")
            let cashier = try desk(facilitator, lookup: lookup)
            let verified = try payment(cashier)
            do {
                _ = try await cashier.settle(verified, price: 50000, request: "open A", resource: resource)
                XCTFail("\(name): an unclear settle did the work")
            } catch {
                XCTAssertEqual(error.code, .unavailable, name)
                XCTAssertNil(error.paymentRequired, "\(name): the client is not asked to pay again")
            }
            do {
                let receipt = try await cashier.settle(verified, price: 50000, request: "open A", resource: resource)
                XCTAssertNil(refusal, "\(name): paid without proof")
                XCTAssertEqual(receipt.payer, wallet.address.description, name)
            } catch {
                XCTAssertEqual(error.code, refusal, "\(name): \(error.message)")
            }
        }

        // A first settle refused for a used nonce is a refusal: nothing says it was paid to us.
        let fresh = ScriptedFacilitator()
        fresh.answers = [.refused(reason: "invalid_exact_evm_nonce_already_used", message: "used", nil)]
        let other = try desk(fresh)
        let unused = try payment(other)
        do {
            _ = try await other.settle(unused, price: 50000, request: "open A", resource: resource)
            XCTFail("a refused payment did the work")
        } catch {
            XCTAssertEqual(error.code, .paymentRequired)
        }
    }

    /// One transaction may carry several authorizations (a batch): only the Transfer right after
    /// this authorization's AuthorizationUsed is its payment, so one transfer never pays twice.
    func testOnlyTheTransferRightAfterTheAuthorizationPaysForIt() {
        let payTo = Address("0x209693Bc6afc0C5328bA36FaF03C514EF312287C")!
        let other = Address("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")!
        let usdc = Network.baseSepolia.usdc.description
        func log(_ index: Int, _ topics: [String], value: UInt64? = nil) -> [String: Any] {
            [
                "logIndex": "0x" + String(index, radix: 16), "address": usdc, "topics": topics,
                "data": value.map { Hex.encode(UInt256($0).bytes) } ?? "0x",
            ]
        }
        let used1 = log(0, [ChainRPCLookup.authorizationUsed, ChainRPCLookup.topic(wallet.address), "0x01"])
        let used2 = log(2, [ChainRPCLookup.authorizationUsed, ChainRPCLookup.topic(wallet.address), "0x02"])
        let batch: [String: Any] = [
            "status": "0x1",
            "logs": [
                used1,
                log(
                    1, [ChainRPCLookup.transfer, ChainRPCLookup.topic(wallet.address), ChainRPCLookup.topic(other)],
                    value: 50000),
                used2,
                log(
                    3, [ChainRPCLookup.transfer, ChainRPCLookup.topic(wallet.address), ChainRPCLookup.topic(payTo)],
                    value: 50000),
            ],
        ]
        func verdict(_ used: [String: Any], _ receipt: [String: Any] = batch) -> TransferEvidence {
            ChainRPCLookup.verdict(
                used: used, receipt: receipt, transaction: "0xt", payer: wallet.address, payTo: payTo, amount: 50000,
                network: .baseSepolia)
        }
        XCTAssertEqual(verdict(used2), .paid(transaction: "0xt"), "its own transfer pays")
        XCTAssertEqual(
            verdict(used1), .elsewhere(transaction: "0xt"), "another authorization's transfer to payTo does not")
        var reverted = batch
        reverted["status"] = "0x0"
        XCTAssertEqual(verdict(used2, reverted), .elsewhere(transaction: "0xt"), "a reverted transaction paid nothing")
    }

    func testTheFacilitatorsURLIsNeverRepeated() {
        XCTAssertEqual(
            HTTPFacilitator.endpoint("https://u:p@f.example/x402?api_key=K", "settle"),
            "https://u:p@f.example/x402/settle?api_key=K")
        XCTAssertEqual(HTTPFacilitator.endpoint("https://f.example/", "settle"), "https://f.example/settle")
        XCTAssertEqual(HTTPFacilitator.endpoint("http://127.0.0.1:4020", "settle"), "http://127.0.0.1:4020/settle")
        let facilitator = HTTPFacilitator(url: "http://user:SECRET@127.0.0.1:1/x?api_key=QUERY", timeout: 1)
        let requirements = PaymentRequirements(network: .baseSepolia, amount: 1, payTo: wallet.address)
        let payment = try! wallet.pay(requirements, resource: nil, now: 1_800_000_000)
        guard case .unknown(let why) = facilitator.settle(payment, requirements: requirements, payer: wallet.address)
        else {
            return XCTFail("no answer is not a verdict")
        }
        XCTAssertFalse(why.contains("SECRET") || why.contains("QUERY"), why)
    }
}
