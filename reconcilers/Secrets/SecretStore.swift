import PrimModel
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Secret values kept on the host: one file per name under `<data dir>/secrets`, mode 0600.
public struct SecretStore {
    public let directory: String

    public init(config: HostConfig) {
        directory = config.paths.secrets
    }

    /// Every stored value, by name.
    public func values() throws -> [String: String] {
        var values: [String: String] = [:]
        for name in FileReader.names(in: directory, suffix: "") where !name.hasPrefix(".") {
            if let bytes = try FileReader.bytes("\(directory)/\(name)") {
                values[name] = String(decoding: bytes, as: UTF8.self)
            }
        }
        return values
    }
}

extension SecretStore {
    /// The names of the stored values (never the values).
    public func names() -> [String] {
        FileReader.names(in: directory, suffix: "").filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Removes a stored value; whether there was one.
    @discardableResult
    public func remove(_ name: String) throws -> Bool {
        let path = "\(directory)/\(name)"
        guard FileReader.exists(path) else { return false }
        try AtomicFile.remove(path)
        return true
    }

    /// Stores a value (mode 0600, written atomically).
    public func set(_ name: String, value: [UInt8]) throws {
        try AtomicFile.makeDirectory(directory, mode: 0o700)
        try AtomicFile.write(value, to: "\(directory)/\(name)", mode: 0o600)
    }
}
