import Foundation
import PrimModel
import PrimSystem

/// Finds and reads the host config: --config, then $PRIM_CONFIG, then /etc/prim/primd.yaml.
enum HostConfigLoader {
    static let defaultPath = "/etc/prim/primd.yaml"

    static func load(_ explicit: String?) throws -> HostConfig {
        let path = explicit ?? ProcessInfo.processInfo.environment["PRIM_CONFIG"] ?? defaultPath
        guard let bytes = try FileReader.bytes(path) else {
            if explicit == nil && path == defaultPath { return HostConfig() }
            throw SystemError("host config '\(path)' does not exist; pass --config FILE (scripts/testbed writes one)")
        }
        let (config, diagnostics) = HostConfig.parse(bytes, file: path)
        let errors = diagnostics.filter { $0.severity == .error }
        if !errors.isEmpty {
            throw SystemError(errors.map { $0.formatted() }.joined(separator: "\n"))
        }
        return config
    }

    /// The host config at `path` (or the default), or the command's failure (code `config`).
    static func load(_ path: String?, _ output: Output) throws -> HostConfig {
        do { return try load(path) } catch { throw output.fail("config", "\(error)") }
    }

    /// Where mirrors of remote repositories are kept: the data dir when writable, else the user's cache.
    static func cacheRoot(_ config: HostConfig?) -> String {
        if let config, FileManager.default.isWritableFile(atPath: config.dataDir) {
            return config.paths.cache
        }
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"] ?? "\(environment["HOME"] ?? "/tmp")/.cache"
        return "\(base)/prim"
    }
}
