import Crypto
import PrimModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An ACME account key (P-256, signing ES256), as RFC 8555 and RFC 7638 use it: its public JWK,
/// the JWK's thumbprint, and the key authorization a challenge answers with. The private key is
/// kept by the caller in a 0600 file; nothing here prints it (`description` names the thumbprint).
public struct AccountKey: Sendable, CustomStringConvertible {
    let key: P256.Signing.PrivateKey

    public init() { key = P256.Signing.PrivateKey() }

    /// The key from its PEM (`pemRepresentation`), as kept on disk.
    public init(pem: String) throws { key = try P256.Signing.PrivateKey(pemRepresentation: pem) }

    /// The key from its raw scalar (tests' fixed vectors).
    public init(rawScalar: [UInt8]) throws { key = try P256.Signing.PrivateKey(rawRepresentation: rawScalar) }

    /// PEM of the private key, for the 0600 file that keeps it.
    public var pem: String { key.pemRepresentation }

    /// The public key as a JWK (RFC 7518 §6.2.1): `crv`, `kty`, `x`, `y`, keys in the order
    /// RFC 7638 hashes them.
    public var jwk: JWK {
        let raw = Array(key.publicKey.rawRepresentation)  // x ‖ y, 32 bytes each
        return JWK(x: Base64URL.encode(raw[0..<32]), y: Base64URL.encode(raw[32..<64]))
    }

    /// RFC 7638's thumbprint: base64url(SHA-256(the JWK's required members, sorted, no spaces)).
    public var thumbprint: String {
        let canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"\(jwk.x)\",\"y\":\"\(jwk.y)\"}"
        return Base64URL.encode(SHA256.hash(data: Array(canonical.utf8)))
    }

    /// A challenge's key authorization: `token.thumbprint` (RFC 8555 §8.1).
    public func keyAuthorization(_ token: String) -> String { "\(token).\(thumbprint)" }

    /// The TXT value a DNS-01 challenge asks for at `_acme-challenge.<name>` (RFC 8555 §8.4).
    public func dns01Value(_ token: String) -> String {
        Base64URL.encode(SHA256.hash(data: Array(keyAuthorization(token).utf8)))
    }

    /// ES256: the signature's raw r ‖ s (JWA §3.4), not DER.
    func sign(_ bytes: [UInt8]) throws -> [UInt8] {
        Array(try key.signature(for: bytes).rawRepresentation)
    }

    public var description: String { "ACME account key \(thumbprint)" }

    public struct JWK: Codable, Sendable, Equatable {
        public var crv = "P-256"
        public var kty = "EC"
        public var x: String
        public var y: String
    }
}
