import Foundation
import PrimX402
import XCTest

/// The server's own checks of a payment, on payments the Swift wallet signs (and then spoils).
final class PaymentCheckTests: XCTestCase {
    let wallet = Wallet(privateKeyHex: VectorTests.key)!
    let requirements = PaymentRequirements(
        network: .baseSepolia, amount: 50000, payTo: VectorTests.payTo, maxTimeoutSeconds: 300)
    let now: UInt64 = 1_800_000_000

    func header(_ payment: PaymentPayload) -> String { HeaderCoding.encode(payment) }

    func refusal(_ header: String, at time: UInt64? = nil) -> PaymentCheck.Refusal? {
        do {
            _ = try PaymentCheck.verify(header: header, requirements: requirements, now: time ?? now)
            return nil
        } catch {
            return error
        }
    }

    func testAValidPaymentProvesItsPayer() throws {
        let payment = try wallet.pay(requirements, resource: nil, now: now)
        let verified = try PaymentCheck.verify(header: header(payment), requirements: requirements, now: now)
        XCTAssertEqual(verified.payer, wallet.address)
        XCTAssertEqual(verified.nonce, payment.payload.authorization.nonce)
        XCTAssertEqual(verified.validBefore, now + 300)
    }

    func testTermsThatDoNotMatchAreRefused() throws {
        var cheaper = requirements
        cheaper.amount = "1"
        // The client accepted other terms and signed them: refused on `accepted`, before the signature.
        XCTAssertEqual(refusal(header(try wallet.pay(cheaper, resource: nil, now: now)))?.reason, "accepted_mismatch")

        // The authorization itself pays less (or someone else) while `accepted` claims the right terms.
        var payment = try wallet.pay(requirements, resource: nil, now: now)
        payment.payload.authorization.value = "49999"
        XCTAssertEqual(refusal(header(payment))?.reason, "invalid_exact_evm_payload_authorization_value_mismatch")
        payment = try wallet.pay(requirements, resource: nil, now: now)
        payment.payload.authorization.to = "0x0000000000000000000000000000000000000001"
        XCTAssertEqual(refusal(header(payment))?.reason, "invalid_exact_evm_payload_recipient_mismatch")
    }

    func testTheWindowIsBounded() throws {
        let payment = try wallet.pay(requirements, resource: nil, now: now)
        XCTAssertEqual(
            refusal(header(payment), at: now + 300)?.reason, "invalid_exact_evm_payload_authorization_valid_before")
        XCTAssertEqual(
            refusal(header(payment), at: now - 120)?.reason, "invalid_exact_evm_payload_authorization_valid_after")
        var long = requirements
        long.maxTimeoutSeconds = 86400 * 365
        let year = try wallet.pay(long, resource: nil, now: now)
        var accepted = year
        accepted.accepted = requirements
        XCTAssertEqual(refusal(header(accepted))?.reason, "invalid_exact_evm_payload_authorization_valid_before")
    }

    func testSignaturesAreChecked() throws {
        // Another key signs for the payer's address.
        let other = Wallet(privateKeyHex: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")!
        var forged = try other.pay(requirements, resource: nil, now: now)
        forged.payload.authorization.from = wallet.address.checksummed
        XCTAssertEqual(refusal(header(forged))?.reason, "invalid_exact_evm_payload_signature")

        var payment = try wallet.pay(requirements, resource: nil, now: now)
        payment.payload.signature = Hex.encode(Secp256k1.twin(of: Hex.decode(payment.payload.signature)!))
        XCTAssertEqual(refusal(header(payment))?.reason, "invalid_exact_evm_payload_signature")

        // A changed nonce changes the digest.
        payment = try wallet.pay(requirements, resource: nil, now: now)
        payment.payload.authorization.nonce = Hex.encode([UInt8](repeating: 7, count: 32))
        XCTAssertEqual(refusal(header(payment))?.reason, "invalid_exact_evm_payload_signature")
    }

    func testHeadersThatAreNotPaymentsAre400() {
        XCTAssertEqual(refusal("not base64!")?.status, 400)
        XCTAssertEqual(refusal(Data("{\"x402Version\": 2}".utf8).base64EncodedString())?.status, 400)
    }

    func testSpendingLimitsChooseWhatTheWalletPays() {
        let limits = SpendingLimits(networks: [.baseSepolia], perCall: 10000)
        let required = PaymentRequired(error: nil, resource: nil, accepts: [requirements])
        guard case .failure(let refusal) = limits.choose(required) else { return XCTFail("50000 is above the cap") }
        XCTAssertTrue(refusal.message.contains("per-call cap"), refusal.message)
        let cheap = PaymentRequirements(network: .baseSepolia, amount: 1000, payTo: VectorTests.payTo)
        let mainnet = PaymentRequirements(network: .base, amount: 10, payTo: VectorTests.payTo)
        XCTAssertEqual(
            try limits.choose(PaymentRequired(error: nil, resource: nil, accepts: [mainnet, requirements, cheap]))
                .get(), cheap)
    }
}
