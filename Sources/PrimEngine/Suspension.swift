import PrimModel
import PrimStatus
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A suspension's file in the data dir.
extension Suspension {
    static func path(_ dataDir: String) -> String { HostPaths(dataDir: dataDir).suspended }

    public static func load(dataDir: String) -> Suspension? {
        guard let bytes = try? FileReader.bytes(path(dataDir)) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        // A file that is there but unreadable still suspends: the operator asked for it.
        return (try? decoder.decode(Suspension.self, from: Data(bytes)))
            ?? Suspension(since: Date(timeIntervalSince1970: 0), reason: nil)
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
        guard FileReader.exists(path(dataDir)) else { return false }
        try AtomicFile.remove(path(dataDir))
        return true
    }
}
