#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One certificate prim keeps for the host (`tls.certificates`), as the status reports it: what
/// the stored one holds and until when, and the last failed order, if the last order failed.
public struct CertificateStatus: Codable, Sendable, Equatable {
    /// The certificate's first name, as plans name it.
    public var name: String
    /// The names the stored certificate holds (none: not issued yet).
    public var names: [String]
    public var notAfter: Date?
    public var issuer: String?
    public var failures: Int
    public var lastError: String?
    /// When the next order may be made, after a failure.
    public var retryAfter: Date?

    public init(
        name: String, names: [String], notAfter: Date?, issuer: String?, failures: Int, lastError: String?,
        retryAfter: Date?
    ) {
        self.name = name
        self.names = names
        self.notAfter = notAfter
        self.issuer = issuer
        self.failures = failures
        self.lastError = lastError
        self.retryAfter = retryAfter
    }

    /// Less than this left makes the host `Degraded` (`CertificateExpiring`).
    public static let warnBefore: TimeInterval = 14 * 86_400

    /// Why the certificate needs the operator at `now`, if it does.
    public func problem(at now: Date) -> String? {
        let failure = lastError.map { "; the last order failed: \($0)" } ?? ""
        guard let notAfter else { return "certificate \(name) is not issued yet\(failure)" }
        let left = notAfter.timeIntervalSince(now)
        if left <= 0 { return "certificate \(name) expired\(failure)" }
        if left < Self.warnBefore { return "certificate \(name) expires in \(Int(left / 86_400)) days\(failure)" }
        return nil
    }
}
