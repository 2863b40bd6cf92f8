import PrimModel

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Reads a state tree from a directory into a snapshot.
///
/// Only the paths the loader reads are visited. Symbolic links are followed
/// when they stay inside the root and reported when they leave it.
public enum DirectoryReader {
    public static func read(_ root: String) throws -> StateSnapshot {
        let fm = FileManager.default
        var isDirectory = false
        guard fm.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory else {
            throw SystemError(
                "state directory '\(root)' does not exist; pass --state DIR with a prims/ folder or a primitives.yaml")
        }
        guard let realRoot = ContainedPath.real(root) else {
            throw SystemError("cannot resolve the state directory '\(root)': \(String(cString: strerror(errno)))")
        }
        var snapshot = StateSnapshot()
        let candidates = try StateLayout.candidates { folder in
            let names = try ContainedPath.names(in: "\(root)/\(folder)")
            guard folder == StateLayout.packages else { return names }
            return try names.filter { name in
                // A package folder that leads out of the state is refused whether or not it holds a prim.yaml:
                // its files would become a prim's release.
                guard
                    case .outside(let target) = try ContainedPath.resolve(
                        "\(root)/\(StateLayout.package(name))", realRoot: realRoot)
                else { return true }
                snapshot.entries[StateLayout.packagePrim(name)] = .escapingSymlink(target: target)
                return false
            }
        }
        for path in candidates where StateLayout.isStatePath(path) {
            if let entry = try entry(root: root, realRoot: realRoot, path: path) {
                snapshot.entries[path] = entry
            }
        }
        return snapshot
    }

    static func entry(root: String, realRoot: String, path: String) throws -> StateSnapshot.Entry? {
        let full = "\(root)/\(path)"
        let resolved: String
        switch try ContainedPath.resolve(full, realRoot: realRoot) {
        case .missing: return nil
        case .outside(let target): return .escapingSymlink(target: target)
        case .inside(let path): resolved = path
        }
        var info = stat()
        guard stat(resolved, &info) == 0 else {
            throw SystemError("cannot read '\(full)': \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        if Int(info.st_size) > StateSnapshot.maxFileSize { return .tooLarge(size: Int(info.st_size)) }
        guard let data = FileManager.default.contents(atPath: resolved) else {
            throw SystemError(
                "cannot read '\(full)': permission denied or removed while reading; fix its permissions (nothing was changed)"
            )
        }
        return .file([UInt8](data))
    }
}
