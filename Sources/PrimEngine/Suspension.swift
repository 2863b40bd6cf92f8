#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PrimSystem

/// An operator's "hands off" (Flux's `suspend`): while `<data dir>/suspended` exists, primd applies
/// no commit and repairs no drift; it still fetches, checks its prims' health and reports. Written
/// by `primctl suspend`, removed by `primctl resume`.
public struct Suspension: Codable, Sendable, Equatable {
    public var since: Date
    public var reason: String?

    public init(since: Date = Date(), reason: String?) {
        self.since = since
        self.reason = reason
    }

    static func path(_ dataDir: String) -> String { "\(dataDir)/suspended" }

    public static func load(dataDir: String) -> Suspension? {
        guard let bytes = try? FileReader.bytes(path(dataDir)) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        // A file that is there but unreadable still suspends: the operator asked for it.
        return (try? decoder.decode(Suspension.self, from: Data(bytes))) ?? Suspension(since: Date(timeIntervalSince1970: 0), reason: nil)
    }

    public func save(dataDir: String) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write([UInt8](try encoder.encode(self)), to: Self.path(dataDir), mode: 0o644)
    }

    /// Removes the suspension; whether there was one.
    @discardableResult
    public static func clear(dataDir: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: path(dataDir)) else { return false }
        try AtomicFile.remove(path(dataDir))
        return true
    }

    /// What the status says of it.
    public var summary: String {
        "suspended since \(since.formatted(.iso8601))\(reason.map { ": \($0)" } ?? ""); `primctl resume` hands the host back to primd"
    }
}
