import PrimModel
import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ReleaseManifest {
    /// The manifest of a prim's code: `packages/<id>/` and the host's shared paths; nil if there is none.
    public static func of(prim id: String, shared: [String], in source: CachedSourceTree) throws -> ReleaseManifest? {
        var files: [String: Entry] = [:]
        for path in [StateLayout.package(id)] + shared {
            files.merge(try source.entries(under: path)) { a, _ in a }
        }
        return files.isEmpty ? nil : ReleaseManifest(files: files)
    }
}

extension ReleaseManifest {
    /// The release of every prim deployed on `host`, its code read from `source` (shared paths hashed once).
    public static func releases(
        of state: DesiredState, on host: PrimModel.Host, in source: SourceTree
    ) throws -> [String: ReleaseManifest] {
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
                throw SystemError(
                    "'\(Quoting.escaped(file))' has a control character in its name, which a prim's code may not have; rename or remove it"
                )
            }
            entries[file] = ReleaseManifest.Entry(
                digest: Digest.sha256(contents.bytes), executable: contents.executable)
        }
        cache[path] = entries
        return entries
    }
}
