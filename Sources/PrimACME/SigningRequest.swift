import Crypto
import SwiftASN1
import X509

/// The certificate's own key (P-256, kept 0600 by the caller) and the CSR (PKCS #10, DER) an
/// order is finalized with: the names as subjectAltName dNSNames, the first also as the subject's
/// common name, signed ECDSA with SHA-256.
public struct SigningRequest: Sendable {
    public let names: [String]
    let key: P256.Signing.PrivateKey

    public init(names: [String], key: P256.Signing.PrivateKey = P256.Signing.PrivateKey()) {
        self.names = names
        self.key = key
    }

    /// The certificate key as PEM, for its 0600 file.
    public var keyPEM: String { key.pemRepresentation }
    /// The public half, which the certificate the CA returns must hold.
    public var publicKey: P256.Signing.PublicKey { key.publicKey }

    public func der() throws -> [UInt8] {
        let extensions = try Certificate.Extensions {
            SubjectAlternativeNames(names.map { GeneralName.dnsName($0) })
        }
        let request = try CertificateSigningRequest(
            version: .v1,
            subject: try DistinguishedName { CommonName(names.first ?? "") },
            privateKey: Certificate.PrivateKey(key),
            attributes: CertificateSigningRequest.Attributes([
                try CertificateSigningRequest.Attribute(ExtensionRequest(extensions: extensions))
            ]),
            signatureAlgorithm: .ecdsaWithSHA256)
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return serializer.serializedBytes
    }
}
