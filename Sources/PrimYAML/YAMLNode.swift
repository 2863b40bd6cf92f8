/// One node of a YAML document, with the position it started at.
///
/// Mappings keep their pairs in source order and keep duplicates, so that
/// validation can report a duplicate key at its own line.
public struct YAMLNode: Sendable {
    public enum ScalarStyle: Sendable { case plain, quoted, block }

    public enum Value: Sendable {
        case scalar(String, ScalarStyle)
        case sequence([YAMLNode])
        case mapping([Pair])
    }

    public struct Pair: Sendable {
        public var key: YAMLNode
        public var value: YAMLNode
        public init(key: YAMLNode, value: YAMLNode) { self.key = key; self.value = value }
    }

    public var value: Value
    public var mark: Mark
    public var tag: String?

    public init(_ value: Value, mark: Mark, tag: String? = nil) {
        self.value = value
        self.mark = mark
        self.tag = tag
    }
}

extension YAMLNode {
    /// The kind of node, for messages: "a string", "a list", "a mapping", "a number"…
    public var kindDescription: String {
        switch value {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar:
            if isNull { return "null" }
            if bool != nil { return "a boolean" }
            if int != nil { return "a number" }
            return "a string"
        }
    }

    /// The scalar text, whatever its resolved type.
    public var scalarText: String? {
        if case .scalar(let text, _) = value { return text }
        return nil
    }

    /// A plain scalar that YAML 1.2's core schema resolves to null.
    public var isNull: Bool {
        guard case .scalar(let text, .plain) = value, tag == nil else { return false }
        return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    /// A plain scalar that YAML 1.2's core schema resolves to a boolean.
    public var bool: Bool? {
        guard case .scalar(let text, .plain) = value, tag == nil else { return nil }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// A plain scalar that YAML 1.2's core schema resolves to an integer.
    public var int: Int? {
        guard case .scalar(let text, .plain) = value, tag == nil else { return nil }
        if text.hasPrefix("0x") { return Int(text.dropFirst(2), radix: 16) }
        if text.hasPrefix("0o") { return Int(text.dropFirst(2), radix: 8) }
        return Int(text)
    }

    /// A scalar that is a string: quoted, block, or plain and not null/bool/number.
    public var string: String? {
        guard case .scalar(let text, let style) = value else { return nil }
        if style != .plain || tag != nil { return text }
        if isNull || bool != nil || int != nil || Double(text) != nil { return nil }
        return text
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = value { return items }
        return nil
    }

    public var pairs: [Pair]? {
        if case .mapping(let pairs) = value { return pairs }
        return nil
    }

    /// The value for a key in a mapping (the first, if a key is duplicated).
    public subscript(key: String) -> YAMLNode? {
        pairs?.first(where: { $0.key.scalarText == key })?.value
    }

    /// The pair for a key, so callers can point at the key's own position.
    public func pair(_ key: String) -> Pair? {
        pairs?.first(where: { $0.key.scalarText == key })
    }
}

extension YAMLNode.Value {
    public var isQuoted: Bool {
        if case .scalar(_, .quoted) = self { return true }
        return false
    }
}
