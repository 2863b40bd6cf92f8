import PrimModel

/// Renders validation results, as text or JSON.
public enum DiagnosticRenderer {
    public static func human(_ diagnostics: [Diagnostic], root: String) -> String {
        var out = diagnostics.map { $0.formatted(root: root) }
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.count - errors
        if errors == 0 {
            out.append("The state is valid\(warnings > 0 ? " (\(warnings) warning\(warnings == 1 ? "" : "s"))" : "").")
        } else {
            out.append("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s").")
        }
        return out.joined(separator: "\n") + "\n"
    }

    struct Document: Encodable {
        var format_version = "1"
        var valid: Bool
        var error_count: Int
        var warning_count: Int
        var diagnostics: [Entry]
    }

    struct Entry: Encodable {
        var severity: String
        var file: String
        var line: Int
        var column: Int
        var code: String
        var message: String
    }

    public static func json(_ diagnostics: [Diagnostic], root: String) -> String {
        JSONOutput.encode(document(diagnostics, root: root))
    }

    static func document(_ diagnostics: [Diagnostic], root: String) -> some Encodable {
        let errors = diagnostics.filter { $0.severity == .error }.count
        return
            (Document(
                valid: errors == 0, error_count: errors, warning_count: diagnostics.count - errors,
                diagnostics: diagnostics.map {
                    Entry(
                        severity: $0.severity.rawValue, file: Diagnostic.join(root, $0.file), line: $0.line,
                        column: $0.column, code: $0.code, message: $0.message)
                }))
    }
}
