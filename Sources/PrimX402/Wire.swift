import PrimModel

/// x402 v2's wire objects (x402-specification-v2 §5), for the `exact` scheme on EVM. Decoding
/// is lenient (unknown fields are ignored); what the server requires is checked in PaymentCheck.
public enum X402 {
    public static let version = 2
    /// Headers (transports-v2/http.md).
    public static let requiredHeader = "PAYMENT-REQUIRED"
    public static let signatureHeader = "PAYMENT-SIGNATURE"
    public static let responseHeader = "PAYMENT-RESPONSE"
}

/// One way to pay for a resource: `accepts[]` of a 402, and `accepted` of a payment.
public struct PaymentRequirements: Sendable, Hashable, Codable {
    public var scheme: String
    public var network: String
    public var asset: String
    /// Atomic units of the asset (USDC has 6 decimals: "10000" is $0.01).
    public var amount: String
    public var payTo: String
    public var maxTimeoutSeconds: Int
    /// For EIP-3009 the token's EIP-712 domain: `name` and `version`.
    public var extra: [String: JSONValue]?

    public init(
        scheme: String = "exact", network: String, asset: String, amount: String, payTo: String,
        maxTimeoutSeconds: Int, extra: [String: JSONValue]?
    ) {
        self.scheme = scheme
        self.network = network
        self.asset = asset
        self.amount = amount
        self.payTo = payTo
        self.maxTimeoutSeconds = maxTimeoutSeconds
        self.extra = extra
    }

    /// The `exact` EVM requirements for `amount` of USDC on a known network.
    public init(network: Network, amount: UInt64, payTo: Address, maxTimeoutSeconds: Int = 300) {
        self.init(
            network: network.id, asset: network.usdc.checksummed, amount: String(amount), payTo: payTo.checksummed,
            maxTimeoutSeconds: maxTimeoutSeconds,
            extra: ["name": .string(network.tokenName), "version": .string(network.tokenVersion)])
    }
}

public struct ResourceInfo: Sendable, Hashable, Codable {
    public var url: String
    public var description: String?
    public var mimeType: String?

    public init(url: String, description: String? = nil, mimeType: String? = nil) {
        self.url = url
        self.description = description
        self.mimeType = mimeType
    }
}

/// The `PAYMENT-REQUIRED` header of a 402.
public struct PaymentRequired: Sendable, Hashable, Codable {
    public var x402Version: Int
    public var error: String?
    public var resource: ResourceInfo?
    public var accepts: [PaymentRequirements]

    public init(error: String?, resource: ResourceInfo?, accepts: [PaymentRequirements]) {
        self.x402Version = X402.version
        self.error = error
        self.resource = resource
        self.accepts = accepts
    }
}

/// EIP-3009's authorization as the payload carries it: decimal strings and hex.
public struct Authorization: Sendable, Hashable, Codable {
    public var from: String
    public var to: String
    public var value: String
    public var validAfter: String
    public var validBefore: String
    public var nonce: String

    public init(from: String, to: String, value: String, validAfter: String, validBefore: String, nonce: String) {
        self.from = from
        self.to = to
        self.value = value
        self.validAfter = validAfter
        self.validBefore = validBefore
        self.nonce = nonce
    }
}

public struct ExactPayload: Sendable, Hashable, Codable {
    public var authorization: Authorization
    public var signature: String

    public init(authorization: Authorization, signature: String) {
        self.authorization = authorization
        self.signature = signature
    }
}

/// The `PAYMENT-SIGNATURE` header: the signed authorization and the requirements it accepts.
public struct PaymentPayload: Sendable, Hashable, Codable {
    public var x402Version: Int
    public var payload: ExactPayload
    public var accepted: PaymentRequirements
    public var resource: ResourceInfo?
    public var extensions: JSONValue?

    public init(payload: ExactPayload, accepted: PaymentRequirements, resource: ResourceInfo?) {
        self.x402Version = X402.version
        self.payload = payload
        self.accepted = accepted
        self.resource = resource
    }
}

/// A facilitator's `/settle` answer, and the `PAYMENT-RESPONSE` header.
public struct SettleResponse: Sendable, Hashable, Codable {
    public var success: Bool
    public var errorReason: String?
    public var errorMessage: String?
    public var payer: String?
    public var transaction: String
    public var network: String
    public var amount: String?

    public init(
        success: Bool, errorReason: String? = nil, errorMessage: String? = nil, payer: String?, transaction: String,
        network: String
    ) {
        self.success = success
        self.errorReason = errorReason
        self.errorMessage = errorMessage
        self.payer = payer
        self.transaction = transaction
        self.network = network
    }

    enum CodingKeys: String, CodingKey { case success, errorReason, errorMessage, payer, transaction, network, amount }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        success = try container.decode(Bool.self, forKey: .success)
        errorReason = try container.decodeIfPresent(String.self, forKey: .errorReason)
        errorMessage = try container.decodeIfPresent(String.self, forKey: .errorMessage)
        payer = try container.decodeIfPresent(String.self, forKey: .payer)
        transaction = try container.decodeIfPresent(String.self, forKey: .transaction) ?? ""
        network = try container.decodeIfPresent(String.self, forKey: .network) ?? ""
        amount = try container.decodeIfPresent(String.self, forKey: .amount)
    }
}
