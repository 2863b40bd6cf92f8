/// What a server checks of a `PAYMENT-SIGNATURE` itself, before it reserves the nonce and asks
/// a facilitator to settle: the payload accepts exactly the server's own requirements, the
/// authorization pays `payTo` exactly `amount` inside a bounded window, and its EIP-712
/// signature recovers to `from` (low s, v ∈ {27, 28}). Pure: the time is passed in.
/// What it cannot see (the nonce's use on chain, the balance) the facilitator's settle decides.
public enum PaymentCheck {
    /// Clock skew allowed beyond `maxTimeoutSeconds` on `validBefore`.
    public static let skew: UInt64 = 60
    /// The facilitator's own floor: `validBefore` at least this far in the future.
    public static let minimumLife: UInt64 = 6

    /// A payment whose terms and signature hold: `payer` is proven by the signature.
    public struct Verified: Sendable, Equatable {
        public var payer: Address
        /// Lower-case hex of the 32-byte nonce: with `payer`, the key a payment is used once by.
        public var nonce: String
        public var validBefore: UInt64
        public var payload: PaymentPayload
    }

    /// Why a payment is refused, x402's way: a reason code, a message saying what to do, and the
    /// HTTP status (400 for a header that is not a payment, 402 for a payment that does not pay).
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var message: String
        public var status: Int
        public var description: String { "\(reason): \(message)" }

        init(_ reason: String, _ message: String, status: Int = 402) {
            self.reason = reason
            self.message = message
            self.status = status
        }
    }

    public static func verify(
        header: String, requirements: PaymentRequirements, now: UInt64
    ) throws(Refusal) -> Verified {
        guard let payload = HeaderCoding.decode(PaymentPayload.self, from: header) else {
            throw Refusal(
                "invalid_payload",
                "\(X402.signatureHeader) is not base64 of an x402 v2 payment payload; pay the challenge in \(X402.requiredHeader) again",
                status: 400)
        }
        return try verify(payload, requirements: requirements, now: now)
    }

    public static func verify(
        _ payment: PaymentPayload, requirements: PaymentRequirements, now: UInt64
    ) throws(Refusal) -> Verified {
        guard payment.x402Version == X402.version else {
            throw Refusal(
                "invalid_x402_version",
                "x402Version is \(payment.x402Version); this server speaks version \(X402.version)", status: 400)
        }
        if let mismatch = mismatch(payment.accepted, requirements) {
            throw Refusal(
                "accepted_mismatch",
                "the payment's accepted.\(mismatch) differs from this route's requirements; pay the requirements in \(X402.requiredHeader) exactly"
            )
        }
        let auth = payment.payload.authorization
        guard let from = Address(auth.from), let to = Address(auth.to), let value = UInt256(decimal: auth.value),
            let after = UInt256(decimal: auth.validAfter), let before = UInt256(decimal: auth.validBefore),
            let nonce = Hex.decode(auth.nonce, count: 32), let signature = Hex.decode(payment.payload.signature)
        else {
            throw Refusal(
                "invalid_payload",
                "the authorization must hold addresses, decimal integers, a 32-byte nonce and a hex signature",
                status: 400)
        }
        guard to == Address(requirements.payTo) else {
            throw Refusal(
                "invalid_exact_evm_payload_recipient_mismatch",
                "authorization.to is \(to); this route is paid to \(requirements.payTo.lowercased())")
        }
        guard value == UInt256(decimal: requirements.amount) else {
            throw Refusal(
                "invalid_exact_evm_payload_authorization_value_mismatch",
                "authorization.value is \(value); this route costs exactly \(requirements.amount) atomic units")
        }
        guard let start = after.uint64, start <= now else {
            throw Refusal(
                "invalid_exact_evm_payload_authorization_valid_after",
                "authorization.validAfter is in the future; sign with validAfter at or before now")
        }
        let latest = now + UInt64(max(0, requirements.maxTimeoutSeconds)) + skew
        guard let end = before.uint64, end >= now + minimumLife else {
            throw Refusal(
                "invalid_exact_evm_payload_authorization_valid_before",
                "the authorization has expired (validBefore \(before) is not after now + \(minimumLife) s); sign a new one"
            )
        }
        guard end <= latest else {
            throw Refusal(
                "invalid_exact_evm_payload_authorization_valid_before",
                "authorization.validBefore is more than maxTimeoutSeconds (\(requirements.maxTimeoutSeconds) s) ahead; sign a shorter window"
            )
        }
        guard let domain = domain(requirements) else {
            throw Refusal("unsupported_network", "this server cannot check payments on \(requirements.network)")
        }
        let transfer = EIP712.Transfer(
            from: from, to: to, value: value, validAfter: after, validBefore: before, nonce: nonce)
        let signer: Address
        do {
            signer = try Secp256k1.recover(digest: EIP712.digest(transfer, domain: domain), signature: signature)
        } catch {
            throw Refusal("invalid_exact_evm_payload_signature", "\(error)")
        }
        guard signer == from else {
            throw Refusal(
                "invalid_exact_evm_payload_signature",
                "the signature does not recover to authorization.from; sign the authorization with the key of \(from)")
        }
        return Verified(payer: from, nonce: Hex.encode(nonce), validBefore: end, payload: payment)
    }

    /// The first field where `accepted` differs from the server's requirements, as the
    /// reference servers compare them (addresses in any case, `extra` as a superset).
    public static func mismatch(_ accepted: PaymentRequirements, _ required: PaymentRequirements) -> String? {
        if accepted.scheme != required.scheme { return "scheme" }
        if accepted.network != required.network { return "network" }
        if Address(accepted.asset) == nil || Address(accepted.asset) != Address(required.asset) { return "asset" }
        if UInt256(decimal: accepted.amount) == nil
            || UInt256(decimal: accepted.amount) != UInt256(decimal: required.amount)
        {
            return "amount"
        }
        if Address(accepted.payTo) == nil || Address(accepted.payTo) != Address(required.payTo) { return "payTo" }
        if accepted.maxTimeoutSeconds != required.maxTimeoutSeconds { return "maxTimeoutSeconds" }
        for (key, value) in required.extra ?? [:] where accepted.extra?[key] != value { return "extra.\(key)" }
        return nil
    }

    /// The EIP-712 domain the requirements name: their asset, chain and `extra` name/version.
    static func domain(_ requirements: PaymentRequirements) -> EIP712.Domain? {
        let parts = requirements.network.split(separator: ":")
        guard parts.count == 2, parts[0] == "eip155", let chain = UInt64(parts[1]),
            let asset = Address(requirements.asset),
            let name = requirements.extra?["name"]?.string, let version = requirements.extra?["version"]?.string
        else { return nil }
        return EIP712.Domain(name: name, version: version, chainId: chain, verifyingContract: asset)
    }
}
