/// The files of a state tree, read into memory from a directory or a git tree.
///
/// Loading works on a snapshot only, so it is pure: the same snapshot always
/// gives the same state and the same diagnostics.
public struct StateSnapshot: Sendable {
    public enum Entry: Sendable, Equatable {
        case file([UInt8])
        /// A file over `StateSnapshot.maxFileSize`; its bytes were not read.
        case tooLarge(size: Int)
        /// A symbolic link whose target resolves outside the state root.
        case escapingSymlink(target: String)
    }

    /// Files larger than this are rejected without being parsed.
    public static let maxFileSize = 1 << 20

    /// Paths relative to the root, `/`-separated.
    public var entries: [String: Entry]

    public init(entries: [String: Entry] = [:]) {
        self.entries = entries
    }

    /// Paths under a top-level folder, sorted.
    public func paths(in folder: String) -> [String] {
        entries.keys.filter { $0.hasPrefix(folder + "/") }.sorted()
    }
}
