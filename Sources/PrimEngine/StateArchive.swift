import PrimModel
import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// The states applied from a directory, kept so that each such generation can be applied again
/// (`primctl rollback`): its state files and its prims' code, content-addressed under
/// `<data dir>/archives`. An archive is a manifest (`<mode> <sha256> <path>` per file, as a
/// release's) named by its digest; each file's bytes are `objects/<sha256>`, stored once however
/// many archives hold them.
public struct StateArchive {
    public let directory: String

    public init(dataDir: String) {
        directory = HostPaths(dataDir: dataDir).archives
    }

    var objects: String { "\(directory)/objects" }

    /// Keeps `snapshot`'s files and the code of `releases` (read from `tree`, checked against
    /// their digests); returns the archive's digest.
    public func store(_ snapshot: StateSnapshot, releases: [ReleaseManifest], tree: SourceTree) throws -> String {
        // The operator's only: it holds the state's (encrypted) secrets and the prims' code.
        try AtomicFile.makeDirectory(objects)
        guard chmod(directory, 0o700) == 0 else {
            throw SystemError("cannot make \(directory) private: \(String(cString: strerror(errno)))")
        }
        var files: [String: ReleaseManifest.Entry] = [:]
        // Each object not stored yet, checked on disk once: what an earlier archive holds is not read again.
        var seen: Set<String> = []
        func store(_ digest: String, _ bytes: () throws -> [UInt8]) throws {
            guard seen.insert(digest).inserted, !FileReader.exists("\(objects)/\(digest)") else {
                return
            }
            try AtomicFile.write(try bytes(), to: "\(objects)/\(digest)", mode: 0o600)
        }
        for (path, entry) in snapshot.entries {
            guard case .file(let bytes) = entry else { continue }
            let digest = Digest.sha256(bytes)
            files[path] = ReleaseManifest.Entry(digest: digest, executable: false)
            try store(digest) { bytes }
        }
        for release in releases {
            for (path, entry) in release.files where files[path] == nil {
                files[path] = entry
                try store(entry.digest) {
                    guard let found = try tree.files(under: path)[path], Digest.sha256(found.bytes) == entry.digest
                    else {
                        throw SystemError("'\(path)' changed while applying; run apply again")
                    }
                    return found.bytes
                }
            }
        }
        let manifest = ReleaseManifest(files: files)
        let name = "\(directory)/\(manifest.digest)"
        if !FileReader.exists(name) {
            try AtomicFile.write(Array(manifest.text.utf8), to: name, mode: 0o600)
        }
        return manifest.digest
    }

    /// An archive's state and code, or why it cannot be read.
    public func load(_ digest: String) throws -> (snapshot: StateSnapshot, tree: SourceTree) {
        guard digest.utf8.count == 64, digest.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }),
            let bytes = try FileReader.bytes("\(directory)/\(digest)"),
            let manifest = ReleaseManifest.parse(String(decoding: bytes, as: UTF8.self)), manifest.digest == digest
        else {
            throw SystemError("the state archive \(digest.prefix(12)) is missing or damaged in \(directory)")
        }
        let tree = ArchivedSourceTree(manifest: manifest, objects: objects)
        var snapshot = StateSnapshot()
        for path in manifest.files.keys where StateLayout.isStatePath(path) {
            snapshot.entries[path] = .file(try tree.bytes(path))
        }
        return (snapshot, tree)
    }
}

/// The code of an archived state.
struct ArchivedSourceTree: SourceTree {
    let manifest: ReleaseManifest
    let objects: String

    func bytes(_ path: String) throws -> [UInt8] {
        guard let entry = manifest.files[path], let bytes = try FileReader.bytes("\(objects)/\(entry.digest)"),
            Digest.sha256(bytes) == entry.digest
        else {
            throw SystemError("the archived file '\(path)' is missing or damaged in \(objects)")
        }
        return bytes
    }

    func files(under path: String) throws -> [String: SourceFile] {
        var result: [String: SourceFile] = [:]
        for (file, entry) in manifest.files where file == path || file.hasPrefix(path + "/") {
            result[file] = SourceFile(bytes: try bytes(file), executable: entry.executable)
        }
        return result
    }
}
