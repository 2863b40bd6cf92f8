/// An EVM network x402 pays on, with its USDC contract and that contract's EIP-712 domain
/// (name and version differ per chain: Base's USDC is "USD Coin", Base Sepolia's "USDC").
public struct Network: Sendable, Hashable {
    /// CAIP-2: `eip155:<chain id>`.
    public var id: String
    public var chainId: UInt64
    public var usdc: Address
    public var tokenName: String
    public var tokenVersion: String

    public static let base = Network(
        id: "eip155:8453", chainId: 8453, usdc: Address("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913")!,
        tokenName: "USD Coin", tokenVersion: "2")
    public static let baseSepolia = Network(
        id: "eip155:84532", chainId: 84532, usdc: Address("0x036CbD53842c5426634e7929541eC2318f3dCF7e")!,
        tokenName: "USDC", tokenVersion: "2")
    public static let known = [base, baseSepolia]

    public static func named(_ id: String) -> Network? { known.first { $0.id == id } }

    public var domain: EIP712.Domain {
        EIP712.Domain(name: tokenName, version: tokenVersion, chainId: chainId, verifyingContract: usdc)
    }
}
