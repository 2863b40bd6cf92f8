import Foundation
import PrimModel

/// Paths of the repository and a snapshot builder for literal state trees.
enum Fixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func path(_ relative: String) -> String { repositoryRoot.appendingPathComponent(relative).path }

    static func snapshot(_ files: [String: String]) -> StateSnapshot {
        StateSnapshot(entries: files.mapValues { .file(Array($0.utf8)) })
    }

    /// Reads a directory's state files (the loader's paths only) without the OS edge module.
    static func directory(_ root: String) -> StateSnapshot {
        var entries: [String: StateSnapshot.Entry] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            guard StateLayout.isStatePath(relative),
                let data = FileManager.default.contents(atPath: "\(root)/\(relative)")
            else { continue }
            entries[relative] = .file([UInt8](data))
        }
        return StateSnapshot(entries: entries)
    }
}
