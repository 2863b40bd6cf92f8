import PrimModel

/// What a command shows, said once: its JSON form is the value itself (encoded by `PrimJSON`, one
/// object per line), its human form is `human(palette)`. primctl's `Output.show` is the one place
/// that looks at `--format`; a command builds its view and hands it over.
public protocol CommandView: Encodable {
    /// The text for a person: colours from `palette` (plain unless stdout is a terminal).
    func human(_ palette: Palette) -> String
}

/// A result whose human form is a sentence and whose JSON form is `fields`: an acknowledgement
/// (`Secret X stored.` / `{"stored": "X"}`).
public struct Said<Fields: Encodable>: CommandView {
    public let fields: Fields
    public let text: String

    public init(_ fields: Fields, _ text: String) {
        self.fields = fields
        self.text = text
    }

    public func encode(to encoder: Encoder) throws { try fields.encode(to: encoder) }
    public func human(_ palette: Palette) -> String { text }
}

/// A plan as `diff` shows it: Terraform's text, or the `prim.plan/v1` document.
public struct PlanView: CommandView {
    public let plan: Plan

    public init(_ plan: Plan) { self.plan = plan }

    public func encode(to encoder: Encoder) throws { try JSONPlanRenderer.document(plan).encode(to: encoder) }
    public func human(_ palette: Palette) -> String { HumanPlanRenderer.render(plan, palette: palette) }
}

/// Validation results: `file:line:col` lines and a verdict, or the diagnostics document.
public struct DiagnosticsView: CommandView {
    public let diagnostics: [Diagnostic]
    public let root: String

    public init(_ diagnostics: [Diagnostic], root: String) {
        self.diagnostics = diagnostics
        self.root = root
    }

    public func encode(to encoder: Encoder) throws {
        try DiagnosticRenderer.document(diagnostics, root: root).encode(to: encoder)
    }
    public func human(_ palette: Palette) -> String { DiagnosticRenderer.human(diagnostics, root: root) }
}
