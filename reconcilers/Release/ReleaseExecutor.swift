#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif
import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

/// Materialises a release: every file of its manifest, read from the state's source tree and checked
/// against its digest, written into a temporary directory that is renamed into place.
public struct ReleaseExecutor: FileExecutor {
    /// Trees to read files from, in order; a file is taken from the first that has it with the right digest.
    public let sources: [SourceTree]

    public init(sources: [SourceTree]) {
        self.sources = sources
    }

    func file(_ path: String, digest: String) throws -> SourceFile? {
        for source in sources {
            if let found = try source.files(under: path)[path], Digest.sha256(found.bytes) == digest { return found }
        }
        return nil
    }

    public func write(_ path: String, content: String) throws {
        guard !sources.isEmpty else { throw SystemError("no source tree to read release files from") }
        guard let manifest = ReleaseManifest.parse(content) else { throw SystemError("release manifest for \(path) is malformed") }
        let staging = "\(path).staging-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        do {
            for (file, entry) in manifest.files {
                guard let found = try self.file(file, digest: entry.digest) else {
                    throw SystemError("release file '\(file)' changed while applying; run apply again")
                }
                try AtomicFile.write(found.bytes, to: "\(staging)/\(file)", mode: entry.executable ? 0o755 : 0o644)
            }
            try AtomicFile.write(Array(content.utf8), to: "\(staging)/\(ReleaseObserver.manifestName)", mode: 0o644)
            try? FileManager.default.removeItem(atPath: path)
            guard rename(staging, path) == 0 else { throw SystemError("cannot move release into \(path): \(String(cString: strerror(errno)))") }
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    public func remove(_ path: String) throws {
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
    }
}

extension ReleaseManifest {
    /// The manifest of a prim's code: `packages/<id>/` and the host's shared paths; nil if there is none.
    public static func of(prim id: String, shared: [String], in source: CachedSourceTree) throws -> ReleaseManifest? {
        var files: [String: Entry] = [:]
        for path in ["packages/\(id)"] + shared {
            files.merge(try source.entries(under: path)) { a, _ in a }
        }
        return files.isEmpty ? nil : ReleaseManifest(files: files)
    }
}

extension ReleaseManifest {
    /// The release of every prim deployed on `host`, its code read from `source` (shared paths hashed once).
    public static func releases(of state: DesiredState, on host: PrimModel.Host, in source: SourceTree) throws -> [String: ReleaseManifest] {
        let cached = CachedSourceTree(source)
        var releases: [String: ReleaseManifest] = [:]
        for prim in state.deployedPrims(on: host) {
            releases[prim.id] = try of(prim: prim.id, shared: host.shared, in: cached)
        }
        return releases
    }
}

/// Reads each path of a source tree once and keeps its digests, so shared parts are hashed once per plan.
public final class CachedSourceTree {
    let source: SourceTree
    var cache: [String: [String: ReleaseManifest.Entry]] = [:]

    public init(_ source: SourceTree) {
        self.source = source
    }

    public func entries(under path: String) throws -> [String: ReleaseManifest.Entry] {
        if let hit = cache[path] { return hit }
        var entries: [String: ReleaseManifest.Entry] = [:]
        try source.forEachFile(under: path) { file, contents in
            // A release's manifest is one line per file: a name with a line break or another
            // control character could forge a line (a file the code never had).
            guard ReleaseManifest.isPlainPath(file) else {
                throw SystemError("'\(Quoting.escaped(file))' has a control character in its name, which a prim's code may not have; rename or remove it")
            }
            entries[file] = ReleaseManifest.Entry(digest: Digest.sha256(contents.bytes), executable: contents.executable)
        }
        cache[path] = entries
        return entries
    }
}
