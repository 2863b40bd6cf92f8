import PrimModel
import PrimSystem

/// The folders of `tls.store`, made and checked before anything is written: the store (0755) and
/// every folder above it root's alone, `live/` (0750, root and the key group: Caddy reads it, and
/// loads it even while it holds no certificate yet), `records/` (0700).
enum CertificateStore {
    /// The group the live certificates and their keys are shared with: `tls.key_group`, which must
    /// exist; else `caddy` when the host has it; else none (root only: Caddy must run as root).
    static func group(_ tls: TLSSettings) throws -> String? {
        if let group = tls.keyGroup {
            guard AtomicFile.groupExists(group) else {
                throw SystemError(
                    "tls.key_group '\(group)' does not exist on this host; name the group Caddy runs as (caddy), or leave the key out"
                )
            }
            return group
        }
        return AtomicFile.groupExists("caddy") ? "caddy" : nil
    }

    /// Before anything is written: the store may not lie where another user could put a file in it.
    static func check(_ tls: TLSSettings) throws {
        _ = try group(tls)
        if let problem = RootOnlyPath.problem(tls.store) {
            throw SystemError(
                "tls.store \(tls.store) is not root's alone: \(problem); certificates' keys are kept there, so choose a folder only root can write (the default is /etc/prim/tls)"
            )
        }
    }

    /// Makes the folders with their modes, every apply (a folder removed by hand comes back before
    /// Caddy is loaded: Caddy refuses a config whose folder to load does not exist).
    static func prepare(_ tls: TLSSettings) throws {
        let paths = tls.paths
        let group = try group(tls)
        try RootOnlyPath.makeDirectory(paths.store, mode: 0o755)
        try RootOnlyPath.makeDirectory(paths.live, mode: group == nil ? 0o700 : 0o750, group: group)
        try RootOnlyPath.makeDirectory(paths.records, mode: 0o700)
    }
}
