import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Signs bytes as `ssh-keygen -Y sign` does (SSHSIG, Ed25519, SHA-512), so git and
/// primd accept the commits it signs. Reads an unencrypted OpenSSH private key.
public struct SSHSigner: Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case unreadable(String)

        public var description: String {
            switch self {
            case .unreadable(let why): return "the signing key cannot be used: \(why)"
            }
        }
    }

    /// The Ed25519 seed.
    let seed: [UInt8]
    /// The public key blob (`string "ssh-ed25519" string key`).
    public let publicKeyBlob: [UInt8]

    /// `text` is an `-----BEGIN OPENSSH PRIVATE KEY-----` file without a passphrase.
    public init(openSSHPrivateKey text: String) throws {
        let body = text.split(separator: "\n").map { $0.filter { !$0.isWhitespace } }
            .filter { !$0.hasPrefix("-----") }.joined()
        guard let decoded = Data(base64Encoded: body) else {
            throw Failure.unreadable("it is not an OpenSSH private key")
        }
        var reader = SSHSignature.Reader(bytes: [UInt8](decoded))
        let magic = Array("openssh-key-v1".utf8) + [0]
        guard reader.take(magic.count) == magic else { throw Failure.unreadable("it is not an OpenSSH private key") }
        guard let cipher = reader.string(), String(decoding: cipher, as: UTF8.self) == "none" else {
            throw Failure.unreadable(
                "it is protected by a passphrase; pr.sh needs a key without one (ssh-keygen -N '')")
        }
        guard reader.string() != nil, reader.string() != nil, reader.uint32() == 1,
            let publicBlob = reader.string(), let privateSection = reader.string()
        else {
            throw Failure.unreadable("the key file is truncated")
        }
        var section = SSHSignature.Reader(bytes: privateSection)
        guard let check1 = section.uint32(), check1 == section.uint32(),
            let type = section.string(), String(decoding: type, as: UTF8.self) == "ssh-ed25519",
            section.string() != nil, let secret = section.string(), secret.count == 64
        else {
            throw Failure.unreadable("only unencrypted ssh-ed25519 keys are supported")
        }
        seed = Array(secret.prefix(32))
        _ = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        publicKeyBlob = publicBlob
    }

    /// The `ssh-ed25519 BASE64` line for an allowed-signers file.
    public var publicKeyLine: String { "ssh-ed25519 \(Data(publicKeyBlob).base64EncodedString())" }

    /// An armored `-----BEGIN SSH SIGNATURE-----` block over `data`.
    public func sign(_ data: [UInt8], namespace: String = "git") throws -> String {
        let hashName = Array("sha512".utf8)
        let digest = Array(SHA512.hash(data: data))
        var message = Array("SSHSIG".utf8)
        for field in [Array(namespace.utf8), [], hashName, digest] { message += SSHSignature.encode(field) }
        let raw = try Curve25519.Signing.PrivateKey(rawRepresentation: seed).signature(for: message)
        let signatureBlob = SSHSignature.encode(Array("ssh-ed25519".utf8)) + SSHSignature.encode(Array(raw))
        var blob = Array("SSHSIG".utf8) + [0, 0, 0, 1]
        for field in [publicKeyBlob, Array(namespace.utf8), [], hashName, signatureBlob] {
            blob += SSHSignature.encode(field)
        }
        let base64 = Data(blob).base64EncodedString()
        var lines: [String] = []
        var index = base64.startIndex
        while index < base64.endIndex {
            let end = base64.index(index, offsetBy: 70, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index..<end]))
            index = end
        }
        return "-----BEGIN SSH SIGNATURE-----\n" + lines.joined(separator: "\n") + "\n-----END SSH SIGNATURE-----"
    }
}
