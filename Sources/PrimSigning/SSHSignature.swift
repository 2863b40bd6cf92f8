import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Verifies git's SSH commit signatures (the SSHSIG format, Ed25519 keys) against an allowed-signers file.
public enum SSHSignature {
    public enum Verdict: Equatable {
        case valid(principal: String)
        case invalid(String)
    }

    /// Reads `principal[,principal…] [options] ssh-ed25519 BASE64` lines: key blob → principal.
    public static func allowedSigners(_ text: String) -> [[UInt8]: String] {
        var keys: [[UInt8]: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ").map(String.init)
            guard let index = fields.firstIndex(of: "ssh-ed25519"), index + 1 < fields.count,
                let blob = Data(base64Encoded: fields[index + 1])
            else { continue }
            keys[[UInt8](blob)] = fields[0]
        }
        return keys
    }

    public static func verify(
        armored: String, data: [UInt8], namespace: String = "git", allowed: [[UInt8]: String]
    ) -> Verdict {
        let body = armored.split(separator: "\n").map { $0.filter { !$0.isWhitespace } }
            .filter { !$0.hasPrefix("-----") }.joined()
        guard let decoded = Data(base64Encoded: body) else { return .invalid("the signature is not an SSH signature") }
        var reader = Reader(bytes: [UInt8](decoded))
        guard reader.take(6) == Array("SSHSIG".utf8), reader.uint32() == 1,
            let publicKey = reader.string(), let signedNamespace = reader.string(), let reserved = reader.string(),
            let hashName = reader.string(), let signatureBlob = reader.string()
        else {
            return .invalid("the signature is not a valid SSHSIG blob")
        }
        guard String(decoding: signedNamespace, as: UTF8.self) == namespace else {
            return .invalid("the signature is not for namespace '\(namespace)'")
        }
        guard let principal = allowed[publicKey] else {
            return .invalid("the commit is signed by a key that is not in the allowed signers")
        }
        var keyReader = Reader(bytes: publicKey), sigReader = Reader(bytes: signatureBlob)
        guard keyReader.string().map({ String(decoding: $0, as: UTF8.self) }) == "ssh-ed25519",
            let rawKey = keyReader.string(),
            sigReader.string().map({ String(decoding: $0, as: UTF8.self) }) == "ssh-ed25519",
            let rawSignature = sigReader.string(),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawKey)
        else {
            return .invalid("only ssh-ed25519 signatures are supported")
        }
        let digest: [UInt8]
        switch String(decoding: hashName, as: UTF8.self) {
        case "sha512": digest = Array(SHA512.hash(data: data))
        case "sha256": digest = Array(SHA256.hash(data: data))
        default: return .invalid("unsupported signature hash")
        }
        var message = Array("SSHSIG".utf8)
        for field in [signedNamespace, reserved, hashName, digest] { message += encode(field) }
        return key.isValidSignature(rawSignature, for: message)
            ? .valid(principal: principal) : .invalid("the signature does not match the commit")
    }

    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        let count = UInt32(bytes.count)
        return [UInt8(count >> 24), UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF), UInt8(count & 0xFF)]
            + bytes
    }

    struct Reader {
        var bytes: [UInt8]
        var offset = 0

        mutating func take(_ count: Int) -> [UInt8]? {
            guard count >= 0, offset + count <= bytes.count else { return nil }
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }

        mutating func uint32() -> UInt32? {
            take(4).map { $0.reduce(0) { $0 << 8 | UInt32($1) } }
        }

        mutating func string() -> [UInt8]? {
            guard let length = uint32() else { return nil }
            return take(Int(length))
        }
    }
}
