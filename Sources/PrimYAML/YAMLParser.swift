import CLibYAML

/// A YAML syntax error at the position libyaml reports for it.
public struct YAMLSyntaxError: Error, Sendable, Equatable {
    public var message: String
    public var mark: Mark
}

/// Parses YAML text with libyaml into `YAMLNode` trees that keep every position.
public enum YAMLParser {
    /// Parses every document in `bytes`. Anchors and aliases are resolved.
    public static func parse(_ bytes: [UInt8]) throws(YAMLSyntaxError) -> [YAMLNode] {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLSyntaxError(message: "could not start the YAML parser", mark: .start)
        }
        defer { yaml_parser_delete(&parser) }

        var builder = TreeBuilder()
        return try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLSyntaxError) -> [YAMLNode] in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    throw syntaxError(parser)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { return builder.documents }
                if let message = builder.consume(event) {
                    throw YAMLSyntaxError(message: message, mark: mark(event.start_mark))
                }
            }
        }
    }

    static func mark(_ mark: yaml_mark_t) -> Mark {
        Mark(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    static func syntaxError(_ parser: yaml_parser_t) -> YAMLSyntaxError {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        var message = problem
        if let context = parser.context.map({ String(cString: $0) }) {
            message = "\(problem) \(context)"
        }
        if parser.error == YAML_READER_ERROR {
            return YAMLSyntaxError(message: problem, mark: Mark(line: 1, column: Int(parser.problem_offset) + 1))
        }
        return YAMLSyntaxError(message: message, mark: mark(parser.problem_mark))
    }
}

/// Turns libyaml's event stream into node trees.
struct TreeBuilder {
    enum Open {
        case sequence(YAMLNode, anchor: String?, items: [YAMLNode])
        case mapping(YAMLNode, anchor: String?, pairs: [YAMLNode.Pair], pendingKey: YAMLNode?)
    }

    var documents: [YAMLNode] = []
    var stack: [Open] = []
    var anchors: [String: YAMLNode] = [:]

    /// Consumes one event; returns an error message if the event cannot be used.
    mutating func consume(_ event: yaml_event_t) -> String? {
        let start = YAMLParser.mark(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            anchors = [:]
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: Int(scalar.length)), as: UTF8.self)
            let style: YAMLNode.ScalarStyle
            switch scalar.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE, YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .quoted
            case YAML_LITERAL_SCALAR_STYLE, YAML_FOLDED_SCALAR_STYLE: style = .block
            default: style = .plain
            }
            let tag = scalar.tag.map { String(cString: $0) }
            let node = YAMLNode(.scalar(text, style), mark: start, tag: tag == "!" ? nil : tag)
            if let anchor = scalar.anchor { anchors[String(cString: anchor)] = node }
            add(node)
        case YAML_ALIAS_EVENT:
            let name = String(cString: event.data.alias.anchor)
            guard var node = anchors[name] else { return "unknown alias '*\(name)'" }
            node.mark = start
            add(node)
        case YAML_SEQUENCE_START_EVENT:
            let anchor = event.data.sequence_start.anchor.map { String(cString: $0) }
            stack.append(.sequence(YAMLNode(.sequence([]), mark: start), anchor: anchor, items: []))
        case YAML_MAPPING_START_EVENT:
            let anchor = event.data.mapping_start.anchor.map { String(cString: $0) }
            stack.append(.mapping(YAMLNode(.mapping([]), mark: start), anchor: anchor, pairs: [], pendingKey: nil))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let open = stack.popLast() else { return "unbalanced collection" }
            var node: YAMLNode
            let anchor: String?
            switch open {
            case .sequence(let base, let name, let items):
                node = base
                node.value = .sequence(items)
                anchor = name
            case .mapping(let base, let name, let pairs, _):
                node = base
                node.value = .mapping(pairs)
                anchor = name
            }
            if let anchor { anchors[anchor] = node }
            add(node)
        default:
            break
        }
        return nil
    }

    private mutating func add(_ node: YAMLNode) {
        guard let top = stack.popLast() else {
            documents.append(node)
            return
        }
        switch top {
        case .sequence(let base, let anchor, var items):
            items.append(node)
            stack.append(.sequence(base, anchor: anchor, items: items))
        case .mapping(let base, let anchor, var pairs, let pendingKey):
            if let key = pendingKey {
                pairs.append(YAMLNode.Pair(key: key, value: node))
                stack.append(.mapping(base, anchor: anchor, pairs: pairs, pendingKey: nil))
            } else {
                stack.append(.mapping(base, anchor: anchor, pairs: pairs, pendingKey: node))
            }
        }
    }
}
