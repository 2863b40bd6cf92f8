#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Folders only root may change: where prim keeps a key that no other user may swap or read.
public enum RootOnlyPath {
    /// Why someone other than root could put or replace a file at `path` (or in a folder above
    /// it), or nil when only root can: each existing folder from `path` up to `/` belongs to root
    /// and is not writable by its group or others, unless it is sticky (as /tmp), where others
    /// cannot replace what root made.
    public static func problem(_ path: String) -> String? {
        var current = path
        while true {
            var info = stat()
            if lstat(current, &info) == 0 {
                if info.st_mode & S_IFMT == S_IFLNK {
                    return "\(current) is a symbolic link"
                }
                let writable = info.st_mode & (S_IWGRP | S_IWOTH) != 0
                if info.st_uid != 0 || (writable && info.st_mode & S_ISVTX == 0) {
                    return
                        "\(current) can be written by a user other than root (owner uid \(info.st_uid), mode \(String(info.st_mode & 0o7777, radix: 8)))"
                }
            }
            if current == "/" || current.isEmpty { return nil }
            current = PathName.directory(of: current)
        }
    }

    /// Makes a folder (its parents as `mkdir -p` does) and sets its mode and, when given, its group.
    public static func makeDirectory(_ path: String, mode: mode_t, group: String? = nil) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard chmod(path, mode) == 0 else {
            throw SystemError("cannot set the mode of '\(path)': \(String(cString: strerror(errno)))")
        }
        if let group { try AtomicFile.chown(path, user: nil, group: group) }
    }
}
