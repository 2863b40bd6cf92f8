import PrimModel
import PrimStatus
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The host's certificates as primd reports them: read from the store (each stored certificate
/// and its issuance record), never from the CA.
public enum CertificateReport {
    public static func read(_ tls: TLSSettings?) -> [CertificateStatus] {
        guard let tls else { return [] }
        return tls.certificates.map { certificate in
            let paths = tls.paths
            let record = (try? IssuanceRecord.load(paths.record(certificate.name))) ?? IssuanceRecord()
            let live = (try? LiveCertificate.stored(at: paths.bundle(certificate.name))) ?? nil
            return CertificateStatus(
                name: certificate.name, names: live?.names ?? [], notAfter: live?.notAfter, issuer: live?.issuer,
                failures: record.failures, lastError: record.lastError, retryAfter: record.retryAfter)
        }
    }
}
