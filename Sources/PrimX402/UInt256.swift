/// A non-negative integer below 2^256 held as 32 big-endian bytes: what ABI encodes as `uint256`.
/// Amounts and times travel as decimal strings; this is their exact form (no floating point).
public struct UInt256: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// nil unless `text` is 1–78 ASCII digits whose value fits in 256 bits.
    public init?(decimal text: String) {
        let digits = Array(text.utf8)
        guard !digits.isEmpty, digits.count <= 78, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        var value = [UInt8](repeating: 0, count: 32)
        for digit in digits {
            var carry = UInt32(digit - 0x30)
            for index in stride(from: 31, through: 0, by: -1) {
                let product = UInt32(value[index]) * 10 + carry
                value[index] = UInt8(truncatingIfNeeded: product)
                carry = product >> 8
            }
            guard carry == 0 else { return nil }
        }
        bytes = value
    }

    public init(_ value: UInt64) {
        var out = [UInt8](repeating: 0, count: 32)
        for index in 0..<8 { out[31 - index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
        bytes = out
    }

    /// The value when it fits in 64 bits.
    public var uint64: UInt64? {
        guard bytes[0..<24].allSatisfy({ $0 == 0 }) else { return nil }
        return bytes[24...].reduce(0) { $0 << 8 | UInt64($1) }
    }

    public var description: String {
        var value = bytes
        var digits: [UInt8] = []
        while value.contains(where: { $0 != 0 }) {
            var remainder: UInt32 = 0
            for index in 0..<32 {
                let current = remainder << 8 | UInt32(value[index])
                value[index] = UInt8(current / 10)
                remainder = current % 10
            }
            digits.append(UInt8(remainder) + 0x30)
        }
        return digits.isEmpty ? "0" : String(decoding: digits.reversed(), as: UTF8.self)
    }

    public static func < (lhs: UInt256, rhs: UInt256) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}
