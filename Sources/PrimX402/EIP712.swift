import PrimModel

/// EIP-712 hashing of EIP-3009's `TransferWithAuthorization`, the message an x402 `exact` EVM
/// payment signs. The domain is the token's (name, version, chain id, contract).
public enum EIP712 {
    public static let domainType = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    public static let transferType =
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"

    public struct Domain: Sendable, Equatable {
        public var name: String
        public var version: String
        public var chainId: UInt64
        public var verifyingContract: Address

        public init(name: String, version: String, chainId: UInt64, verifyingContract: Address) {
            self.name = name
            self.version = version
            self.chainId = chainId
            self.verifyingContract = verifyingContract
        }

        public var separator: [UInt8] {
            Keccak256.hash(
                Keccak256.hash(EIP712.domainType) + Keccak256.hash(name) + Keccak256.hash(version)
                    + UInt256(chainId).bytes + EIP712.word(verifyingContract))
        }
    }

    /// The authorization's fields, as the payload carries them.
    public struct Transfer: Sendable, Equatable {
        public var from: Address
        public var to: Address
        public var value: UInt256
        public var validAfter: UInt256
        public var validBefore: UInt256
        public var nonce: [UInt8]

        public init(
            from: Address, to: Address, value: UInt256, validAfter: UInt256, validBefore: UInt256, nonce: [UInt8]
        ) {
            self.from = from
            self.to = to
            self.value = value
            self.validAfter = validAfter
            self.validBefore = validBefore
            self.nonce = nonce
        }

        public var structHash: [UInt8] {
            Keccak256.hash(
                Keccak256.hash(EIP712.transferType) + EIP712.word(from) + EIP712.word(to)
                    + value.bytes + validAfter.bytes + validBefore.bytes + nonce)
        }
    }

    /// keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash): what the wallet signs.
    public static func digest(_ transfer: Transfer, domain: Domain) -> [UInt8] {
        Keccak256.hash([0x19, 0x01] + domain.separator + transfer.structHash)
    }

    static func word(_ address: Address) -> [UInt8] { [UInt8](repeating: 0, count: 12) + address.bytes }
}
