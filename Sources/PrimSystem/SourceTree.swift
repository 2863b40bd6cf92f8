#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif
import PrimModel

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
}

/// A state directory's files.
public struct DirectorySourceTree: SourceTree {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public func files(under path: String) throws -> [String: SourceFile] {
        let full = "\(root)/\(path)"
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory) else { return [:] }
        var result: [String: SourceFile] = [:]
        let paths = isDirectory ? ((try? FileManager.default.subpathsOfDirectory(atPath: full)) ?? []).map { "\(path)/\($0)" } : [path]
        for relative in paths {
            var info = stat()
            guard lstat("\(root)/\(relative)", &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            guard let data = FileManager.default.contents(atPath: "\(root)/\(relative)") else {
                throw SystemError("cannot read '\(root)/\(relative)'")
            }
            result[relative] = SourceFile(bytes: [UInt8](data), executable: info.st_mode & 0o111 != 0)
        }
        return result
    }
}
