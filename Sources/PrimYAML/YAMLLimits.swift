/// Bounds on what one YAML file may make the parser build, so that no input can exhaust
/// the stack, the memory or the time of the programs that read state files.
public struct YAMLLimits: Sendable, Equatable {
    /// Collections inside collections.
    public var maxDepth: Int
    /// Nodes of all documents, each alias counted as every node it expands to.
    public var maxNodes: Int
    /// Keys of one mapping.
    public var maxKeys: Int

    public init(maxDepth: Int = 64, maxNodes: Int = 20_000, maxKeys: Int = 5_000) {
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
        self.maxKeys = maxKeys
    }

    /// What state files are read with: well above any real prim.yaml (upstream's largest has
    /// about 1,500 nodes and 6 levels), low enough that a state of many such files stays cheap.
    public static let state = YAMLLimits()
}

/// A key set twice in one mapping.
public struct DuplicateKey: Sendable, Equatable {
    public var key: String
    public var mark: Mark
    /// Where the key was first set.
    public var first: Mark

    public init(key: String, mark: Mark, first: Mark) {
        self.key = key
        self.mark = mark
        self.first = first
    }
}

/// Every document in a file, and the keys set twice (found as the tree is built, in linear time).
public struct YAMLStream: Sendable {
    public var documents: [YAMLNode]
    public var duplicateKeys: [DuplicateKey]
}
