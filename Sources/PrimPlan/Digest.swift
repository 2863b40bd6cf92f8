import Crypto

/// Content digests, as lowercase hex SHA-256.
public enum Digest {
    public static func sha256(_ text: String) -> String { sha256(Array(text.utf8)) }

    public static func sha256(_ bytes: [UInt8]) -> String {
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    static let digits = Array("0123456789abcdef".utf8)
}
