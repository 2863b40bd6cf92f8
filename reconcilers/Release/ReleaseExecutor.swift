import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

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
        guard let manifest = ReleaseManifest.parse(content) else {
            throw SystemError("release manifest for \(path) is malformed")
        }
        let staging = AtomicFile.staging(for: path)
        try? AtomicFile.removeTree(staging)
        do {
            for (file, entry) in manifest.files {
                guard let found = try self.file(file, digest: entry.digest) else {
                    throw SystemError("release file '\(file)' changed while applying; run apply again")
                }
                try AtomicFile.write(found.bytes, to: "\(staging)/\(file)", mode: entry.executable ? 0o755 : 0o644)
            }
            try AtomicFile.write(Array(content.utf8), to: "\(staging)/\(ReleaseObserver.manifestName)", mode: 0o644)
            try AtomicFile.replaceDirectory(path, with: staging)
        } catch {
            try? AtomicFile.removeTree(staging)
            throw error
        }
    }

    public func remove(_ path: String) throws {
        try AtomicFile.removeTree(path)
    }
}
