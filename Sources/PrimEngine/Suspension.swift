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
        // A file that is there but unreadable still suspends: the operator asked for it.
        return (try? PrimJSON.decode(Suspension.self, from: bytes))
            ?? Suspension(since: Date(timeIntervalSince1970: 0), reason: nil)
    }

    public func save(dataDir: String) throws {
        try AtomicFile.write(try PrimJSON.encode(self), to: Self.path(dataDir), mode: 0o644)
    }

    /// Removes the suspension; whether there was one.
    @discardableResult
    public static func clear(dataDir: String) throws -> Bool {
        guard FileReader.exists(path(dataDir)) else { return false }
        try AtomicFile.remove(path(dataDir))
        return true
    }
}
