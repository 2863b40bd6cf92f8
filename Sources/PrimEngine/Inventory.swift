import PrimModel
import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// What prim has created on this host, so prune removes only that.
/// Stored as `<data dir>/inventory.json`, rewritten atomically after every step.
public struct Inventory: Codable, Sendable, Equatable {
    /// `kind.name` → path.
    public var resources: [String: String] = [:]

    public init() {}

    public func contains(_ address: ResourceAddress) -> Bool { resources[address.key] != nil }

    public mutating func add(_ address: ResourceAddress, path: String) { resources[address.key] = path }
    public mutating func remove(_ address: ResourceAddress) { resources[address.key] = nil }

    public static func load(dataDir: String) throws -> Inventory {
        guard let bytes = try FileReader.bytes(HostPaths(dataDir: dataDir).inventory) else { return Inventory() }
        do {
            return try PrimJSON.decode(Inventory.self, from: bytes)
        } catch {
            throw SystemError(
                "\(HostPaths(dataDir: dataDir).inventory) is damaged (\(error)); restore it from the last generation record or remove it to start over"
            )
        }
    }

    public func save(dataDir: String) throws {
        try AtomicFile.write(try PrimJSON.encode(self), to: HostPaths(dataDir: dataDir).inventory, mode: 0o600)
    }

    /// Marks observed resources as owned when the inventory lists them.
    public func mark(_ observed: [ObservedResource]) -> [ObservedResource] {
        observed.map { resource in
            var resource = resource
            resource.owned = contains(resource.address)
            return resource
        }
    }
}
