extension YAMLNode {
    /// The node's content in one unambiguous text, without positions: two nodes that read the
    /// same (values, their quoting, tags, order) give the same text, formatting and comments aside.
    public var canonical: String {
        let tagged = tag.map { "!\($0.debugDescription)" } ?? ""
        switch value {
        case .scalar(let text, let style):
            let mark = style == .plain ? "p" : style == .quoted ? "q" : "b"
            return tagged + mark + text.debugDescription
        case .sequence(let items):
            return tagged + "[" + items.map(\.canonical).joined(separator: ",") + "]"
        case .mapping(let pairs):
            return tagged + "{" + pairs.map { $0.key.canonical + ":" + $0.value.canonical }.joined(separator: ",") + "}"
        }
    }
}
