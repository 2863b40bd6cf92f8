/// Bech32 (BIP 173, not Bech32m) without the 90-character limit, as age's keys use it.
enum Bech32 {
    static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)

    static func polymod(_ values: [UInt8]) -> UInt32 {
        let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var checksum: UInt32 = 1
        for value in values {
            let top = checksum >> 25
            checksum = (checksum & 0x1ff_ffff) << 5 ^ UInt32(value)
            for index in 0..<5 where (top >> UInt32(index)) & 1 == 1 { checksum ^= generator[index] }
        }
        return checksum
    }

    static func expand(_ hrp: [UInt8]) -> [UInt8] { hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 } }

    static func convert(_ data: [UInt8], from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var accumulator = 0, bits = 0
        var out: [UInt8] = []
        let maximum = (1 << to) - 1
        for value in data {
            guard Int(value) >> from == 0 else { return nil }
            accumulator = accumulator << from | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                out.append(UInt8(accumulator >> bits & maximum))
            }
        }
        if pad {
            if bits > 0 { out.append(UInt8(accumulator << (to - bits) & maximum)) }
        } else if bits >= from || (accumulator << (to - bits)) & maximum != 0 {
            return nil
        }
        return out
    }

    static func encode(hrp: String, data: [UInt8], uppercase: Bool = false) -> String {
        let hrp = Array(hrp.lowercased().utf8)
        let words = convert(data, from: 8, to: 5, pad: true)!
        let checksum = polymod(expand(hrp) + words + [0, 0, 0, 0, 0, 0]) ^ 1
        let check = (0..<6).map { UInt8(checksum >> UInt32(5 * (5 - $0)) & 31) }
        let text = String(decoding: hrp + [UInt8(ascii: "1")] + (words + check).map { charset[Int($0)] }, as: UTF8.self)
        return uppercase ? text.uppercased() : text
    }

    /// (hrp lower-cased, data) of a valid string that is all upper or all lower case.
    static func decode(_ text: String) -> (hrp: String, data: [UInt8])? {
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ (33...126).contains($0) }) else { return nil }
        let lower = text.lowercased(), upper = text.uppercased()
        guard text == lower || text == upper else { return nil }
        let chars = Array(lower.utf8)
        guard let separator = chars.lastIndex(of: UInt8(ascii: "1")), separator >= 1, chars.count - separator > 6 else {
            return nil
        }
        let hrp = Array(chars[..<separator])
        var words: [UInt8] = []
        for char in chars[(separator + 1)...] {
            guard let index = charset.firstIndex(of: char) else { return nil }
            words.append(UInt8(index))
        }
        guard polymod(expand(hrp) + words) == 1,
            let data = convert(Array(words.dropLast(6)), from: 5, to: 8, pad: false)
        else { return nil }
        return (String(decoding: hrp, as: UTF8.self), data)
    }
}
