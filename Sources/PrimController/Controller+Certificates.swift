import CertificateReconciler
import PrimStatus

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The host's certificates in the status, the metrics and the `Degraded` condition.
extension Controller {
    /// Reads the stored certificates (cheap: a file or two each) whenever the status is published.
    func recordCertificates() {
        let certificates = CertificateReport.read(config.tls)
        status.certificates = certificates.isEmpty ? nil : certificates
        metrics.setCertificates(
            Dictionary(certificates.compactMap { certificate in certificate.notAfter.map { (certificate.name, $0) } }) {
                a, _ in a
            })
        guard !certificates.isEmpty else { return }
        let now = Date()
        let problems = certificates.compactMap { $0.problem(at: now) }
        if problems.isEmpty {
            let soonest = certificates.compactMap(\.notAfter).min()
            status.set(
                .degraded, false, reason: .certificatesValid,
                message:
                    "every certificate has \(Int(CertificateStatus.warnBefore / 86_400)) days or more left\(soonest.map { " (the first expires \($0))" } ?? "")"
            )
        } else {
            status.set(.degraded, true, reason: .certificateExpiring, message: problems.joined(separator: "; "))
        }
    }
}
