import PrimModel

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// One file of a prim's code, as read from a directory or a commit.
public struct SourceFile: Sendable, Equatable {
    public var bytes: [UInt8]
    public var executable: Bool

    public init(bytes: [UInt8], executable: Bool) {
        self.bytes = bytes
        self.executable = executable
    }
}

/// The tree a state was read from, for the code its prims run (`packages/<id>/`, shared parts).
public protocol SourceTree {
    /// Every regular file under a path (a file or a folder), by path relative to the state root.
    func files(under path: String) throws -> [String: SourceFile]
    /// Each regular file under a path, one at a time: what is only digested never holds more than
    /// one file in memory.
    func forEachFile(under path: String, _ body: (String, SourceFile) throws -> Void) throws
}

extension SourceTree {
    public func forEachFile(under path: String, _ body: (String, SourceFile) throws -> Void) throws {
        for (file, contents) in try files(under: path) { try body(file, contents) }
    }
}

extension SourceFile {
    /// The largest file a prim's code may hold: what a release copies, and what is read whole to digest it.
    public static let maxBytes = 64 << 20

    /// The refusal of a file over `maxBytes`, naming it and its size.
    static func tooLarge(_ path: String, size: Int) -> SystemError {
        SystemError(
            "'\(path)' is \(size) bytes, over the \(maxBytes >> 20) MiB a file of a prim's code may be; keep large data out of the state (a prim can fetch it at start)"
        )
    }
}

/// A state directory's files.
public struct DirectorySourceTree: SourceTree {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// Files reached through a symbolic link that leaves the root are an error, not copied.
    public func files(under path: String) throws -> [String: SourceFile] {
        guard let realRoot = ContainedPath.real(root) else {
            throw SystemError("cannot resolve the state directory '\(root)'")
        }
        var result: [String: SourceFile] = [:]
        var pending = [path]
        while let relative = pending.popLast() {
            let full = "\(root)/\(relative)"
            var link = stat()
            // Below the named path, links are skipped (as git trees keep them, not their targets);
            // one that leaves the root is still an error.
            let isLinkBelow = relative != path && lstat(full, &link) == 0 && (link.st_mode & S_IFMT) == S_IFLNK
            let resolved: String
            switch try ContainedPath.resolve(full, realRoot: realRoot) {
            case .missing: continue
            case .outside(let target):
                throw SystemError(
                    "'\(relative)' is a symbolic link to '\(target)', outside the state directory; a prim's code must lie inside it"
                )
            case .inside(let path): resolved = path
            }
            if isLinkBelow { continue }
            var info = stat()
            guard stat(resolved, &info) == 0 else {
                throw SystemError("cannot read '\(full)': \(String(cString: strerror(errno)))")
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                pending += try ContainedPath.names(in: full).map { "\(relative)/\($0)" }
            case S_IFREG:
                guard Int(info.st_size) <= SourceFile.maxBytes else {
                    throw SourceFile.tooLarge(relative, size: Int(info.st_size))
                }
                guard let data = FileManager.default.contents(atPath: resolved) else {
                    throw SystemError("cannot read '\(full)'; fix its permissions")
                }
                result[relative] = SourceFile(bytes: [UInt8](data), executable: info.st_mode & 0o111 != 0)
            default:
                continue
            }
        }
        return result
    }
}
