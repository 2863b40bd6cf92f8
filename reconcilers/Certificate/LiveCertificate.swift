import PrimSystem
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a stored certificate says of itself: its names, its validity and its issuer, from the
/// first certificate of its chain (the key that follows in the same file is never read here).
struct LiveCertificate: Sendable {
    var names: [String]
    var notBefore: Date
    var notAfter: Date
    var issuer: String
    var publicKey: Certificate.PublicKey

    /// The certificate stored at `path`: nil when there is none, an error when it cannot be read.
    static func stored(at path: String) throws -> LiveCertificate? {
        try FileReader.bytes(path).map { try LiveCertificate(pem: String(decoding: $0, as: UTF8.self)) }
    }

    init(pem: String) throws {
        guard
            let document = try PEMDocument.parseMultiple(pemString: pem).first(where: {
                $0.discriminator == "CERTIFICATE"
            })
        else { throw CertificateProblem("holds no certificate") }
        let certificate = try Certificate(derEncoded: document.derBytes)
        names =
            (try certificate.extensions.subjectAlternativeNames)?.compactMap { name -> String? in
                if case .dnsName(let text) = name { return text.lowercased() }
                return nil
            } ?? []
        notBefore = certificate.notValidBefore
        notAfter = certificate.notValidAfter
        issuer = certificate.issuer.description
        publicKey = certificate.publicKey
    }

    /// Whether the certificate's names are exactly `names` (in any order).
    func holds(_ names: [String]) -> Bool { Set(self.names) == Set(names.map { $0.lowercased() }) }

    struct CertificateProblem: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
