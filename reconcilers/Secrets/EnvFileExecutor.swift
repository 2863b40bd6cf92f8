import PrimEngine
import PrimModel
import PrimSystem

/// Writes env files atomically, mode 0600 owner root: the systemd manager reads them before a
/// prim starts; no prim (each runs as its own user) can read its own or another's.
public struct EnvFileExecutor: FileExecutor {
    public init(config: HostConfig) {}

    public func write(_ path: String, content: String) throws {
        try AtomicFile.write(Array(content.utf8), to: path, mode: 0o600)
        try AtomicFile.chown(path, user: "root", group: "root")
    }

    public func remove(_ path: String) throws {
        try AtomicFile.remove(path)
    }
}
