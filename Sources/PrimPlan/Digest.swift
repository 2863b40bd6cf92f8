import Crypto

/// Content digests, as lowercase hex SHA-256.
public enum Digest {
    public static func sha256(_ text: String) -> String { sha256(Array(text.utf8)) }

    public static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
