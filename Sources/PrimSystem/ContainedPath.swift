#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// A path inside a state directory, resolved through every symbolic link on the way
/// (not only the last one), so that a linked folder cannot lead a reader out of the root.
public enum ContainedPath {
    public enum Resolution: Equatable {
        case inside(String)
        /// The path resolves outside the root, to this target.
        case outside(String)
        case missing
    }

    /// The real path of a directory, or nil when it cannot be resolved.
    public static func real(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Where `path` really is, relative to `realRoot` (itself already resolved).
    public static func resolve(_ path: String, realRoot: String) throws -> Resolution {
        guard let resolved = real(path) else {
            if errno == ENOENT || errno == ENOTDIR { return .missing }
            throw SystemError("cannot resolve '\(path)': \(String(cString: strerror(errno))); check its permissions")
        }
        if resolved == realRoot || resolved.hasPrefix(realRoot.hasSuffix("/") ? realRoot : realRoot + "/") {
            return .inside(resolved)
        }
        return .outside(resolved)
    }

    /// The names in a directory; an absent directory has none, an unreadable one is an error
    /// (never "empty": an apply would read that as "remove everything").
    public static func names(in directory: String) throws -> [String] {
        guard let handle = opendir(directory) else {
            if errno == ENOENT || errno == ENOTDIR { return [] }
            throw SystemError(
                "cannot read the folder '\(directory)': \(String(cString: strerror(errno))); fix its permissions (nothing was changed)"
            )
        }
        defer { closedir(handle) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(handle) else {
                if errno != 0 {
                    throw SystemError("cannot read the folder '\(directory)': \(String(cString: strerror(errno)))")
                }
                break
            }
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
