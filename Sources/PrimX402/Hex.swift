import PrimModel

/// `0x`-prefixed hex, as Ethereum writes bytes and addresses.
public enum Hex {
    static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: [UInt8], prefix: Bool = true) -> String {
        var out: [UInt8] = prefix ? Array("0x".utf8) : []
        out.reserveCapacity(out.count + bytes.count * 2)
        for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }

    /// nil unless `text` is `0x` and an even number of ASCII hex digits (`count` bytes when given).
    public static func decode(_ text: String, count: Int? = nil) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "0"),
            utf8[1] == UInt8(ascii: "x") || utf8[1] == UInt8(ascii: "X")
        else { return nil }
        let body = utf8[2...]
        guard body.count % 2 == 0, count.map({ body.count == $0 * 2 }) ?? true else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(body.count / 2)
        var index = body.startIndex
        while index < body.endIndex {
            guard let high = value(body[index]), let low = value(body[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }
}

/// A 20-byte EVM address; compared and printed in lower case (`0x…`), parsed in any case.
public struct Address: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(_ text: String) {
        guard let bytes = Hex.decode(text, count: 20) else { return nil }
        self.bytes = bytes
    }

    /// An address as x402 writes one: `0x` and either EIP-55's checksummed form or all lower
    /// case (a mixed case that is not the checksum is a typo).
    public init?(strict text: String) {
        guard EVMAddress.isStrict(text), let address = Address(text) else { return nil }
        self = address
    }

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 20)
        self.bytes = bytes
    }

    public var description: String { Hex.encode(bytes) }

    /// EIP-55 mixed-case form, as wallets and x402's clients print addresses.
    public var checksummed: String {
        EVMAddress.checksummed(lower: Hex.encode(bytes, prefix: false))
    }
}
