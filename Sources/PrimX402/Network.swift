/// An EVM network x402 pays on, with its USDC contract and that contract's EIP-712 domain
/// (name and version differ per chain: Base's USDC is "USD Coin", Base Sepolia's "USDC").
public struct Network: Sendable, Hashable {
    /// CAIP-2: `eip155:<chain id>`.
    public var id: String
    public var chainId: UInt64
    public var usdc: Address
    public var tokenName: String
    public var tokenVersion: String

    public static let base = Network(id: "eip155:8453", chainId: 8453, usdc: Address("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913")!,
                                     tokenName: "USD Coin", tokenVersion: "2")
    public static let baseSepolia = Network(id: "eip155:84532", chainId: 84532, usdc: Address("0x036CbD53842c5426634e7929541eC2318f3dCF7e")!,
                                            tokenName: "USDC", tokenVersion: "2")
    public static let known = [base, baseSepolia]

    public static func named(_ id: String) -> Network? { known.first { $0.id == id } }

    public var domain: EIP712.Domain {
        EIP712.Domain(name: tokenName, version: tokenVersion, chainId: chainId, verifyingContract: usdc)
    }
}

/// USDC amounts: 6 decimals; "$0.05" is 50000 atomic units.
public enum USDC {
    public static let decimals = 6

    /// "$0.05", "0.05" or "$1" → atomic units; nil for anything else (more than 6 decimals, signs, exponents).
    public static func atomic(_ text: String) -> UInt64? {
        var body = Substring(text)
        if body.hasPrefix("$") { body = body.dropFirst() }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.count <= 9,
              whole.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= decimals, fraction.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              parts.count == 1 || !fraction.isEmpty else { return nil }
        fraction += String(repeating: "0", count: decimals - fraction.count)
        return UInt64(whole)! * 1_000_000 + UInt64(fraction)!
    }

    /// 12000 → "$0.012"; whole cents keep two decimals ("$0.05", "$1.00").
    public static func dollars(_ atomic: UInt64) -> String {
        let whole = atomic / 1_000_000
        var fraction = String(atomic % 1_000_000)
        fraction = String(repeating: "0", count: decimals - fraction.count) + fraction
        while fraction.count > 2, fraction.hasSuffix("0") { fraction.removeLast() }
        return "$\(whole).\(fraction)"
    }
}
