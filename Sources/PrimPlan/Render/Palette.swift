/// Terraform's colours for a plan on a terminal: what is added green, removed red, changed yellow,
/// headings bold. `plain` paints nothing (a pipe, a file, `NO_COLOR`, `--no-color`, and JSON always).
public struct Palette: Sendable, Equatable {
    public let enabled: Bool

    public init(enabled: Bool) { self.enabled = enabled }

    public static let plain = Palette(enabled: false)
    public static let terminal = Palette(enabled: true)

    public enum Color: String, Sendable {
        case green = "32", red = "31", yellow = "33", cyan = "36", bold = "1"
    }

    /// `text` in `color`, or as it is when the palette is plain.
    public func paint(_ text: String, _ color: Color) -> String {
        enabled && !text.isEmpty ? "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// The colour of an action's symbol.
    static func color(of action: Action) -> Color? {
        switch action {
        case .create, .start: return .green
        case .delete, .stop: return .red
        case .update, .restart, .reload: return .yellow
        case .noop: return nil
        }
    }

    /// An action's symbol, in its colour.
    func symbol(_ action: Action) -> String {
        let symbol = HumanPlanRenderer.symbol(action)
        return Self.color(of: action).map { paint(symbol, $0) } ?? symbol
    }

    /// A body line of a diff: `+ …` green, `- …` red, `~ …` yellow.
    func diffLine(_ line: String) -> String {
        if line.hasPrefix("+ ") { return paint(line, .green) }
        if line.hasPrefix("- ") { return paint(line, .red) }
        if line.hasPrefix("~ ") { return paint(line, .yellow) }
        return line
    }
}
