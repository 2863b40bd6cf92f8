import PrimYAML

/// One problem found in a state tree, at a file, line and column.
public struct Diagnostic: Sendable, Hashable, Codable {
    public enum Severity: String, Sendable, Codable { case error, warning }

    public var severity: Severity
    /// Path of the file relative to the state root, with `/` separators.
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    /// A stable, documented identifier (`duplicate-port`, `unknown-deploy-key`…).
    public var code: String

    public init(_ severity: Severity, file: String, at mark: Mark, code: String, _ message: String) {
        self.severity = severity
        self.file = file
        self.line = mark.line
        self.column = mark.column
        self.message = message
        self.code = code
    }

    public var mark: Mark { Mark(line: line, column: column) }

    /// `path:line:col: error: message [code]`, with `path` under the given root label.
    public func formatted(root: String = "") -> String {
        "\(Diagnostic.join(root, file)):\(line):\(column): \(severity.rawValue): \(message) [\(code)]"
    }

    public static func join(_ root: String, _ file: String) -> String {
        if root.isEmpty || root == "." || file.hasPrefix("/") { return file }
        return root.hasSuffix("/") ? root + file : root + "/" + file
    }
}

/// Collects diagnostics while a state tree is read; validation never stops at the first one.
public final class DiagnosticLog {
    public private(set) var all: [Diagnostic] = []

    public init() {}

    public func error(_ file: String, _ mark: Mark, _ code: String, _ message: String) {
        all.append(Diagnostic(.error, file: file, at: mark, code: code, message))
    }

    public func warning(_ file: String, _ mark: Mark, _ code: String, _ message: String) {
        all.append(Diagnostic(.warning, file: file, at: mark, code: code, message))
    }

    public var hasErrors: Bool { all.contains { $0.severity == .error } }

    /// Diagnostics in file, line, column order.
    public var sorted: [Diagnostic] {
        all.sorted { ($0.file, $0.line, $0.column, $0.code) < ($1.file, $1.line, $1.column, $1.code) }
    }
}
