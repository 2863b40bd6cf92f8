import CLibYAML

/// A file the parser refuses: bad syntax, or a limit of `YAMLLimits` passed, at the position of the event.
public struct YAMLSyntaxError: Error, Sendable, Equatable {
    /// `yaml-syntax`, `yaml-merge-key`, or the limit passed: `yaml-depth`, `yaml-nodes`, `yaml-keys`.
    public var code: String
    public var message: String
    public var mark: Mark

    public init(code: String = "yaml-syntax", message: String, mark: Mark) {
        self.code = code
        self.message = message
        self.mark = mark
    }
}

/// Parses YAML text with libyaml into `YAMLNode` trees that keep every position.
public enum YAMLParser {
    /// Parses every document in `bytes`. Anchors and aliases are resolved.
    public static func parse(_ bytes: [UInt8], limits: YAMLLimits = .state) throws(YAMLSyntaxError) -> [YAMLNode] {
        try stream(bytes, limits: limits).documents
    }

    /// Parses every document in `bytes` within `limits`, and reports duplicate keys.
    public static func stream(_ bytes: [UInt8], limits: YAMLLimits = .state) throws(YAMLSyntaxError) -> YAMLStream {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLSyntaxError(message: "could not start the YAML parser", mark: .start)
        }
        defer { yaml_parser_delete(&parser) }

        var builder = TreeBuilder(limits: limits)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLSyntaxError) -> YAMLStream in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    throw syntaxError(parser)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT {
                    return YAMLStream(documents: builder.documents, duplicateKeys: builder.duplicateKeys)
                }
                if let refusal = builder.consume(event) {
                    throw YAMLSyntaxError(code: refusal.code, message: refusal.message, mark: mark(event.start_mark))
                }
            }
        }
    }

    static func mark(_ mark: yaml_mark_t) -> Mark {
        Mark(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    static func syntaxError(_ parser: yaml_parser_t) -> YAMLSyntaxError {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        if parser.error == YAML_READER_ERROR {
            return YAMLSyntaxError(message: problem, mark: Mark(line: 1, column: Int(parser.problem_offset) + 1))
        }
        // libyaml finds a construct left open (a flow sequence without its ']', a quote without its
        // end) where the next one begins, often lines later: the error is placed where the open
        // construct starts, the line to fix, and says where the parser gave up.
        let found = mark(parser.problem_mark)
        if let context = parser.context.map({ String(cString: $0) }) {
            let start = mark(parser.context_mark)
            if start.line > 0, start.line < found.line {
                return YAMLSyntaxError(
                    message:
                        "\(problem) \(context) that starts here (found at line \(found.line), column \(found.column))",
                    mark: start)
            }
            return YAMLSyntaxError(message: "\(problem) \(context)", mark: found)
        }
        return YAMLSyntaxError(message: problem, mark: found)
    }
}

/// Turns libyaml's event stream into node trees, counting what it builds against the limits.
/// Iterative: the depth of the input never becomes the depth of a Swift call stack.
struct TreeBuilder {
    /// A collection being built; mutated in place on the stack.
    struct Open {
        var node: YAMLNode
        var anchor: String?
        var items: [YAMLNode] = []
        var pairs: [YAMLNode.Pair] = []
        var pendingKey: YAMLNode?
        /// Nodes in this collection, itself included, aliases expanded.
        var size = 1
        var seenKeys: [String: Mark] = [:]
        var isMapping: Bool
    }

    struct Refusal { var code: String; var message: String }

    let limits: YAMLLimits
    var documents: [YAMLNode] = []
    var duplicateKeys: [DuplicateKey] = []
    var stack: [Open] = []
    var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    var nodes = 0

    init(limits: YAMLLimits) { self.limits = limits }

    /// Consumes one event; returns why the input is refused, if it is.
    mutating func consume(_ event: yaml_event_t) -> Refusal? {
        let start = YAMLParser.mark(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            anchors = [:]
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = String(
                decoding: UnsafeBufferPointer(start: scalar.value, count: Int(scalar.length)), as: UTF8.self)
            let style: YAMLNode.ScalarStyle
            switch scalar.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE, YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .quoted
            case YAML_LITERAL_SCALAR_STYLE, YAML_FOLDED_SCALAR_STYLE: style = .block
            default: style = .plain
            }
            let tag = scalar.tag.map { String(cString: $0) }
            let node = YAMLNode(.scalar(text, style), mark: start, tag: tag == "!" ? nil : tag)
            if let anchor = scalar.anchor { anchors[String(cString: anchor)] = (node, 1) }
            return add(node, size: 1)
        case YAML_ALIAS_EVENT:
            let name = String(cString: event.data.alias.anchor)
            guard let anchored = anchors[name] else {
                return Refusal(code: "yaml-syntax", message: "unknown alias '*\(name)'")
            }
            var node = anchored.node
            node.mark = start
            return add(node, size: anchored.size)
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            guard stack.count < limits.maxDepth else {
                return Refusal(
                    code: "yaml-depth",
                    message: "collections are nested more than \(limits.maxDepth) levels deep; flatten the structure")
            }
            let isMapping = event.type == YAML_MAPPING_START_EVENT
            let anchor = (isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor).map {
                String(cString: $0)
            }
            stack.append(
                Open(
                    node: YAMLNode(isMapping ? .mapping([]) : .sequence([]), mark: start), anchor: anchor,
                    isMapping: isMapping))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard var open = stack.popLast() else {
                return Refusal(code: "yaml-syntax", message: "unbalanced collection")
            }
            open.node.value = open.isMapping ? .mapping(open.pairs) : .sequence(open.items)
            if let anchor = open.anchor { anchors[anchor] = (open.node, open.size) }
            nodes -= open.size - 1  // counted as they were added; `add` counts the whole again
            return add(open.node, size: open.size)
        default:
            break
        }
        return nil
    }

    private mutating func add(_ node: YAMLNode, size: Int) -> Refusal? {
        nodes += size
        guard nodes <= limits.maxNodes else {
            return Refusal(
                code: "yaml-nodes",
                message:
                    "the file expands to more than \(limits.maxNodes) YAML nodes (aliases count as every node they repeat); make it smaller"
            )
        }
        guard !stack.isEmpty else {
            documents.append(node)
            return nil
        }
        let top = stack.count - 1
        stack[top].size += size
        if !stack[top].isMapping {
            stack[top].items.append(node)
            return nil
        }
        guard let key = stack[top].pendingKey else {
            if case .scalar("<<", .plain) = node.value, node.tag == nil {
                return Refusal(
                    code: "yaml-merge-key",
                    message: "merge keys (<<) are not part of YAML 1.2 and are not read; write the keys out")
            }
            stack[top].pendingKey = node
            return nil
        }
        stack[top].pendingKey = nil
        guard stack[top].pairs.count < limits.maxKeys else {
            return Refusal(code: "yaml-keys", message: "a mapping has more than \(limits.maxKeys) keys; split it")
        }
        if let text = key.scalarText {
            if let first = stack[top].seenKeys[text] {
                duplicateKeys.append(DuplicateKey(key: text, mark: key.mark, first: first))
            } else {
                stack[top].seenKeys[text] = key.mark
            }
        }
        stack[top].pairs.append(YAMLNode.Pair(key: key, value: node))
        return nil
    }
}
