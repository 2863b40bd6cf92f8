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

    /// Whether a path is one the loader reads.
    /// The state root's folders of one-file declarations.
    public static let folders = ["prims", "hosts", "secrets", "dns", "providers", "owners"]

    public static func isStatePath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return path == "policy.yaml" || path == "primitives.yaml"
        case 2: return folders.contains(String(parts[0])) && isYAML(parts[1])
        case 3: return parts[0] == "packages" && parts[2] == "prim.yaml"
        default: return false
        }
    }

    static func isYAML<S: StringProtocol>(_ name: S) -> Bool {
        name.hasSuffix(".yaml") || name.hasSuffix(".yml")
    }

    /// Paths under a top-level folder, sorted.
    public func paths(in folder: String) -> [String] {
        entries.keys.filter { $0.hasPrefix(folder + "/") }.sorted()
    }
}
