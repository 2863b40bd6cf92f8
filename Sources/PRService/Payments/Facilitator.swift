import Foundation
import PrimSystem
import PrimX402

/// What a facilitator's `/settle` decided about one payment.
public enum SettleOutcome: Sendable, Equatable {
    /// Paid: 2xx, `success: true`, a transaction, the required network, the payer that signed.
    case settled(SettleResponse)
    /// Not paid, for certain (`success: false` with a reason that is not `settlement_pending`).
    case refused(reason: String, message: String, SettleResponse?)
    /// Unknown: a timeout, a transport error, a 5xx or `settlement_pending`. The money may have
    /// moved; no work is done and the client is not asked to pay again.
    case unknown(String)
}

/// The facilitator pr.sh settles payments with (x402-specification-v2 §7).
public protocol Facilitator: Sendable {
    /// Settles `payment` against the server's own requirements (never the payment's `accepted`).
    func settle(_ payment: PaymentPayload, requirements: PaymentRequirements, payer: Address) -> SettleOutcome
}

/// A facilitator over HTTP: `POST <url>/settle`.
public struct HTTPFacilitator: Facilitator {
    public var url: String
    public var timeout: Double

    public init(url: String, timeout: Double = 15) {
        self.url = url
        self.timeout = timeout
    }

    /// `<base>/<path>`, keeping a query string of the base (an API key) after the path.
    static func endpoint(_ base: String, _ path: String) -> String {
        let query = base.firstIndex(of: "?") ?? base.endIndex
        var head = String(base[..<query])
        if head.hasSuffix("/") { head.removeLast() }
        return head + "/" + path + String(base[query...])
    }

    struct Body: Encodable {
        var x402Version = X402.version
        var paymentPayload: PaymentPayload
        var paymentRequirements: PaymentRequirements
    }

    public func settle(_ payment: PaymentPayload, requirements: PaymentRequirements, payer: Address) -> SettleOutcome {
        let body = HeaderCoding.json(Body(paymentPayload: payment, paymentRequirements: requirements))
        let endpoint = Self.endpoint(url, "settle")
        do {
            let response = try HTTPClient.request(
                "POST", endpoint, headers: ["Content-Type": "application/json"], body: body, timeout: timeout)
            return Self.classify(status: response.status, body: response.body, requirements: requirements, payer: payer)
        } catch {
            // The URL may carry the facilitator's credentials: it is never repeated to a caller.
            let why = "\(error)".replacingOccurrences(of: endpoint, with: "the facilitator").replacingOccurrences(
                of: url, with: "the facilitator")
            return .unknown("the facilitator did not answer (\(why)); the payment may or may not have settled")
        }
    }

    /// Reads a `/settle` answer whatever its status (some facilitators send verdicts with 4xx).
    static func classify(status: Int, body: [UInt8], requirements: PaymentRequirements, payer: Address) -> SettleOutcome
    {
        guard let answer = try? JSONDecoder().decode(SettleResponse.self, from: Data(body)) else {
            if status >= 500 { return .unknown("the facilitator answered HTTP \(status) without a verdict") }
            return .refused(
                reason: "facilitator_error", message: "the facilitator answered HTTP \(status) without a verdict", nil)
        }
        if answer.errorReason == "settlement_pending" {
            return .unknown(
                "the facilitator reports the settlement pending (transaction \(answer.transaction.isEmpty ? "unknown" : answer.transaction))"
            )
        }
        guard (200..<300).contains(status), answer.success else {
            if status >= 500 && !answer.success && answer.errorReason == nil {
                return .unknown("the facilitator answered HTTP \(status)")
            }
            let reason = answer.errorReason ?? "settle_failed"
            return .refused(reason: reason, message: answer.errorMessage ?? reason, answer)
        }
        guard !answer.transaction.isEmpty else {
            return .unknown("the facilitator reported success without a transaction")
        }
        guard answer.network == requirements.network else {
            return .unknown("the facilitator settled on \(answer.network), not \(requirements.network)")
        }
        guard answer.payer.flatMap({ Address($0) }) == payer else {
            return .unknown("the facilitator reports a payer other than the authorization's")
        }
        return .settled(answer)
    }
}
