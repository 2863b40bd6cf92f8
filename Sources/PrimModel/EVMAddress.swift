/// How x402 and wallets write an EVM address: `0x`, 40 ASCII hex digits, in lower case or in
/// EIP-55's checksummed mixed case (any other mixed case is a typo the checksum catches).
public enum EVMAddress {
    /// Whether `text` is an address written so.
    public static func isStrict(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        guard utf8.count == 42, utf8[0] == UInt8(ascii: "0"), utf8[1] == UInt8(ascii: "x") else { return false }
        let digits = utf8[2...]
        guard
            digits.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0) }
            )
        else { return false }
        let lower = String(decoding: digits.map { (0x41...0x46).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
        return text == "0x" + lower || text == checksummed(lower: lower)
    }

    /// EIP-55's form of 40 lower-case hex digits.
    public static func checksummed(lower: String) -> String {
        let hash = Keccak256.hash(lower)
        var out = "0x"
        for (index, character) in lower.enumerated() {
            let nibble = (hash[index / 2] >> (index % 2 == 0 ? 4 : 0)) & 15
            out.append(character.isLetter && nibble >= 8 ? Character(character.uppercased()) : character)
        }
        return out
    }
}
