import CSecp256k1
import PrimModel

/// secp256k1 signing and public-key recovery through libsecp256k1, with the rules USDC's
/// ECRecover adds: a 65-byte r‖s‖v signature, low s (s ≤ n/2), v ∈ {27, 28}.
public enum Secp256k1 {
    /// One context for the process: libsecp256k1 contexts are safe to share for signing and
    /// verifying once created (randomization is not used).
    nonisolated(unsafe) static let context: OpaquePointer = secp256k1_context_create(
        UInt32(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY))!

    /// n/2 for the curve order n, big-endian.
    static let halfOrder: [UInt8] = Hex.decode("0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0")!

    /// Why a signature is not one USDC would accept.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        case length(Int)
        case highS
        case recoveryByte(UInt8)
        case unrecoverable

        public var description: String {
            switch self {
            case .length(let count): return "the signature is \(count) bytes; an EOA signature is 65 (r, s, v)"
            case .highS:
                return
                    "the signature's s is in the upper half of the curve order (a malleable twin); sign again with low s"
            case .recoveryByte(let v): return "the signature's v is \(v); it must be 27 or 28"
            case .unrecoverable: return "no public key recovers from this signature"
            }
        }
    }

    /// The address whose key made `signature` over the 32-byte `digest`.
    public static func recover(digest: [UInt8], signature: [UInt8]) throws(Refusal) -> Address {
        guard signature.count == 65 else { throw .length(signature.count) }
        let v = signature[64]
        guard v == 27 || v == 28 else { throw .recoveryByte(v) }
        guard !halfOrder.lexicographicallyPrecedes(signature[32..<64]) else { throw .highS }
        var parsed = secp256k1_ecdsa_recoverable_signature()
        var key = secp256k1_pubkey()
        let compact = Array(signature[0..<64])
        guard secp256k1_ecdsa_recoverable_signature_parse_compact(context, &parsed, compact, Int32(v - 27)) == 1,
            secp256k1_ecdsa_recover(context, &key, &parsed, digest) == 1
        else { throw .unrecoverable }
        return address(of: key)
    }

    /// A recoverable signature r‖s‖v (v 27 or 28) over `digest`, deterministic (RFC 6979) and low-s.
    public static func sign(digest: [UInt8], key: [UInt8]) -> [UInt8]? {
        var signature = secp256k1_ecdsa_recoverable_signature()
        guard digest.count == 32, key.count == 32,
            secp256k1_ecdsa_sign_recoverable(context, &signature, digest, key, nil, nil) == 1
        else { return nil }
        var compact = [UInt8](repeating: 0, count: 64)
        var recid: Int32 = 0
        secp256k1_ecdsa_recoverable_signature_serialize_compact(context, &compact, &recid, &signature)
        return compact + [UInt8(27 + recid)]
    }

    /// The other signature of the same message and key: (r, n − s, v flipped). ECDSA allows both;
    /// USDC, and `recover`, take only the low-s one. For tests of that refusal.
    public static func twin(of signature: [UInt8]) -> [UInt8] {
        precondition(signature.count == 65)
        let order = Hex.decode("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")!
        var s = Array(signature[32..<64])
        var borrow = 0
        for index in stride(from: 31, through: 0, by: -1) {
            var value = Int(order[index]) - Int(s[index]) - borrow
            borrow = value < 0 ? 1 : 0
            if value < 0 { value += 256 }
            s[index] = UInt8(value)
        }
        return Array(signature[0..<32]) + s + [signature[64] == 27 ? 28 : 27]
    }

    /// The address of a 32-byte private key; nil when it is not a valid key.
    public static func address(ofPrivateKey key: [UInt8]) -> Address? {
        var publicKey = secp256k1_pubkey()
        guard key.count == 32, secp256k1_ec_seckey_verify(context, key) == 1,
            secp256k1_ec_pubkey_create(context, &publicKey, key) == 1
        else { return nil }
        return address(of: publicKey)
    }

    static func address(of key: secp256k1_pubkey) -> Address {
        var key = key
        var out = [UInt8](repeating: 0, count: 65)
        var length = 65
        secp256k1_ec_pubkey_serialize(context, &out, &length, &key, UInt32(SECP256K1_EC_UNCOMPRESSED))
        return Address(bytes: Array(Keccak256.hash(Array(out[1..<65]))[12..<32]))
    }
}
