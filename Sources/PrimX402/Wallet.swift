/// A payer's key: signs EIP-3009 authorizations for x402's `exact` scheme. The key never
/// leaves this value; its description shows only the address.
public struct Wallet: Sendable, CustomStringConvertible {
    let key: [UInt8]
    public let address: Address

    /// From `0x` and 64 hex digits (a file's whitespace around it is ignored).
    public init?(privateKeyHex text: String) {
        let trimmed = String(text.filter { !$0.isWhitespace })
        guard let key = Hex.decode(trimmed, count: 32), let address = Secp256k1.address(ofPrivateKey: key) else {
            return nil
        }
        self.key = key
        self.address = address
    }

    public var description: String { "wallet \(address)" }

    /// A payment of exactly `requirements`, valid from a minute ago until its timeout.
    public func pay(
        _ requirements: PaymentRequirements, resource: ResourceInfo?, now: UInt64, nonce: [UInt8]? = nil
    ) throws(PaymentCheck.Refusal) -> PaymentPayload {
        guard let domain = PaymentCheck.domain(requirements), let to = Address(requirements.payTo),
            let value = UInt256(decimal: requirements.amount)
        else {
            throw PaymentCheck.Refusal(
                "unsupported_requirements",
                "the requirements lack a known EVM network, asset, payTo, amount or the token's EIP-712 name and version"
            )
        }
        var generator = SystemRandomNumberGenerator()
        let nonce = nonce ?? (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let after = now >= 60 ? now - 60 : 0
        let before = now + UInt64(max(0, requirements.maxTimeoutSeconds))
        let transfer = EIP712.Transfer(
            from: address, to: to, value: value, validAfter: UInt256(after), validBefore: UInt256(before), nonce: nonce)
        guard let signature = Secp256k1.sign(digest: EIP712.digest(transfer, domain: domain), key: key) else {
            throw PaymentCheck.Refusal("signing_failed", "the wallet could not sign")
        }
        let authorization = Authorization(
            from: address.checksummed, to: to.checksummed, value: value.description,
            validAfter: String(after), validBefore: String(before), nonce: Hex.encode(nonce))
        return PaymentPayload(
            payload: ExactPayload(authorization: authorization, signature: Hex.encode(signature)),
            accepted: requirements, resource: resource)
    }
}

/// What a paying client accepts: which networks and assets, and how much per call.
public struct SpendingLimits: Sendable, Equatable {
    public var networks: [Network]
    /// Most atomic units one call may cost.
    public var perCall: UInt64

    public init(networks: [Network], perCall: UInt64) {
        self.networks = networks
        self.perCall = perCall
    }

    /// The cheapest requirement of a 402 this client may pay, or why none fits.
    public func choose(_ required: PaymentRequired) -> Result<PaymentRequirements, PaymentCheck.Refusal> {
        var reasons: [String] = []
        var best: (PaymentRequirements, UInt64)?
        for option in required.accepts {
            guard option.scheme == "exact", let network = networks.first(where: { $0.id == option.network }) else {
                reasons.append("\(option.scheme) on \(option.network) is not a scheme and network this wallet pays")
                continue
            }
            guard Address(option.asset) == network.usdc else {
                reasons.append("asset \(option.asset) is not USDC on \(network.id)")
                continue
            }
            guard let amount = UInt256(decimal: option.amount)?.uint64, amount <= perCall else {
                reasons.append("\(option.amount) atomic units is above the per-call cap of \(perCall)")
                continue
            }
            if best.map({ amount < $0.1 }) ?? true { best = (option, amount) }
        }
        if let best { return .success(best.0) }
        return .failure(
            PaymentCheck.Refusal(
                "no_acceptable_requirements",
                reasons.isEmpty ? "the 402 offers no way to pay" : reasons.joined(separator: "; ")))
    }
}
