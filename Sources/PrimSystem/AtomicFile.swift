#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Writes a file so readers see the old content or the new, never a part:
/// a temporary file in the same directory, fsync, rename, fsync of the directory.
public enum AtomicFile {
    /// - Parameter group: a group to own the file (by name) before it takes the path's place; nil keeps the writer's.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644, group: String? = nil) throws {
        let directory = PathName.directory(of: path)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = "\(directory)/.\(PathName.lastComponent(of: path)).tmp-\(getpid())"
        // Made anew, never through a link nor into a file someone else made there first.
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemError("cannot write '\(temporary)': \(String(cString: strerror(errno)))") }
        var ok = fchmod(fd, mode) == 0
        if let group {
            let gid: gid_t
            do { gid = try groupID(group) } catch {
                close(fd)
                unlink(temporary)
                throw error
            }
            ok = ok && fchown(fd, uid_t.max, gid) == 0
        }
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while ok && offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 { ok = false } else { offset += written }
            }
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporary)
            throw SystemError("cannot write '\(path)': \(message)")
        }
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 { fsync(dirFD); close(dirFD) }
    }
}

extension AtomicFile {
    /// Whether the host has a group of that name.
    public static func groupExists(_ name: String) -> Bool { (try? groupID(name)) != nil }

    /// A group's id by name; an unknown name is an error that says how to make it.
    static func groupID(_ name: String) throws -> gid_t {
        guard let entry = getgrnam(name) else {
            throw SystemError("group '\(name)' does not exist on this host; create it (groupadd --system \(name))")
        }
        return entry.pointee.gr_gid
    }

    /// Sets owner and group by name; unknown names are an error.
    public static func chown(_ path: String, user: String?, group: String?) throws {
        var uid: uid_t = UInt32.max, gid: gid_t = UInt32.max
        if let user {
            guard let entry = getpwnam(user) else {
                throw SystemError("user '\(user)' does not exist on this host; create it (useradd --system \(user))")
            }
            uid = entry.pointee.pw_uid
        }
        if let group { gid = try groupID(group) }
        guard Glibc.chown(path, uid, gid) == 0 else {
            throw SystemError("cannot chown '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    /// Removes a file; a file already gone is fine.
    public static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT {
            throw SystemError("cannot remove '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    /// Makes `path` a directory, with its parents (a new one with `mode`); one already there is fine.
    public static func makeDirectory(_ path: String, mode: Int? = nil) throws {
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: mode.map { [.posixPermissions: $0] })
    }

    /// Removes a directory and all it holds (or a file); one already gone is fine.
    public static func removeTree(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        try FileManager.default.removeItem(atPath: path)
    }

    /// A staging directory beside `path` for this process (`<path>.staging-<pid>`, which
    /// `removeStaleTemporaries` sweeps when a kill leaves it).
    public static func staging(for path: String) -> String { "\(path)\(stagingMarker)\(getpid())" }

    /// What names a staging directory (`removeStaleTemporaries` sweeps what a kill leaves).
    static let stagingMarker = ".staging-"

    /// Puts the directory `staging` at `path`, in place of what was there.
    public static func replaceDirectory(_ path: String, with staging: String) throws {
        try? removeTree(path)
        guard rename(staging, path) == 0 else {
            throw SystemError("cannot move \(staging) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Makes `link` a symbolic link to `target`, atomically replacing what was there.
    public static func symlink(_ target: String, at link: String) throws {
        try FileManager.default.createDirectory(atPath: PathName.directory(of: link), withIntermediateDirectories: true)
        // Named as a write's temporary is, so that what a kill leaves is found and removed the same way.
        let temporary = "\(PathName.directory(of: link))/.\(PathName.lastComponent(of: link)).tmp-\(getpid())"
        unlink(temporary)
        guard Glibc.symlink(target, temporary) == 0, rename(temporary, link) == 0 else {
            throw SystemError("cannot link '\(link)': \(String(cString: strerror(errno)))")
        }
    }
}

extension AtomicFile {
    /// Removes what writers killed mid-write left behind in these directories: `.<name>.tmp-<pid>` files
    /// and `<release>.staging-<pid>` directories. Call it holding the apply lock, when no writer runs.
    public static func removeStaleTemporaries(in directories: [String]) {
        for directory in directories {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                let stale = (name.hasPrefix(".") && isMarked(name, ".tmp-")) || isMarked(name, stagingMarker)
                if stale { try? FileManager.default.removeItem(atPath: "\(directory)/\(name)") }
            }
        }
    }

    static func isMarked(_ name: String, _ marker: String) -> Bool {
        let parts = name.split(separator: marker, omittingEmptySubsequences: false)
        guard parts.count > 1, let pid = parts.last else { return false }
        return !pid.isEmpty && pid.allSatisfy(\.isNumber)
    }
}
