import PrimModel
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a host remembers of one certificate's issuance (`records/<name>.json` in the store): the CA
/// that issued it, the failures since the last success and when to try again, and the TXT records
/// an order under way has written (removed at the next try if the process died with them there).
struct IssuanceRecord: Codable, Sendable, Equatable {
    var directory: String?
    var issued: Date?
    var failures = 0
    var retryAfter: Date?
    var lastError: String?
    var pending: [PendingRecord] = []

    struct PendingRecord: Codable, Sendable, Equatable {
        var zone: String
        var name: String
        var value: String
    }

    /// The record at `path` (none yet: an empty one). One that cannot be read is an error: it may
    /// hold the records of an order under way, which must not be forgotten.
    static func load(_ path: String) throws -> IssuanceRecord {
        guard let bytes = try FileReader.bytes(path) else { return IssuanceRecord() }
        do {
            return try PrimJSON.decode(IssuanceRecord.self, from: bytes)
        } catch {
            throw SystemError(
                "the issuance record \(path) cannot be read (\(error)); check its TXT records at the DNS provider, then remove it"
            )
        }
    }

    func save(_ path: String) throws {
        try AtomicFile.write(try PrimJSON.encode(self), to: path, mode: 0o600)
    }

    /// After the n-th failure in a row, the next try waits 5 minutes × 2ⁿ⁻¹, at most a day: Let's
    /// Encrypt allows 5 failed validations per name an hour.
    static func backoff(failures: Int) -> TimeInterval {
        min(300 * Double(1 << min(max(failures, 1) - 1, 16)), 86_400)
    }

    mutating func failed(_ error: String, at now: Date) {
        failures += 1
        lastError = error
        retryAfter = now.addingTimeInterval(Self.backoff(failures: failures))
    }

    mutating func succeeded(directory: String, at now: Date) {
        self.directory = directory
        issued = now
        failures = 0
        lastError = nil
        retryAfter = nil
    }
}
