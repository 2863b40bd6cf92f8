import PrimEngine
import PrimModel
import PrimSystem

/// Writes env files: mode 0640, owner root, group from the host config, atomically.
public struct EnvFileExecutor: FileExecutor {
    public let group: String

    public init(config: HostConfig) {
        group = config.envGroup
    }

    public func write(_ path: String, content: String) throws {
        try AtomicFile.write(Array(content.utf8), to: path, mode: 0o640)
        try AtomicFile.chown(path, user: "root", group: group)
    }

    public func remove(_ path: String) throws {
        try AtomicFile.remove(path)
    }
}
