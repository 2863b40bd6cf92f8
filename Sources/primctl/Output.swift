import ArgumentParser
import Foundation
import PrimPlan

/// Writes results and errors in the chosen format: the one place that looks at `--format`
/// (`show`, `fail`); a command hands it a view (`CommandView`).
struct Output {
    let format: OutputFormat
    /// Colours for human output on a terminal; always plain for JSON.
    var palette: Palette = .plain

    /// Colour is wanted on this process's standard output: a terminal, and `NO_COLOR` unset or empty
    /// (no-color.org).
    static var terminalWantsColor: Bool {
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"] ?? ""
        return noColor.isEmpty && isatty(STDOUT_FILENO) == 1
    }

    func print(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// The view in the chosen format: its human text, or its JSON on one line.
    func show(_ view: some CommandView) {
        switch format {
        case .human: print(view.human(palette))
        case .json: print(JSONOutput.encode(view))
        }
    }

    /// A note for a person that is not the command's result (a wait, a warning): standard error in
    /// human form; as JSON, `event` is written as the view's line on standard output.
    func note(_ text: String, event: some CommandView) {
        switch format {
        case .human: FileHandle.standardError.write(Data(text.utf8))
        case .json: print(JSONOutput.encode(event))
        }
    }

    /// Text only a person reads (a heading before an apply's own lines): nothing in JSON.
    func narrate(_ text: String) {
        if format == .human { print(text) }
    }

    /// A question for the person at the terminal: on standard error in JSON mode, so standard
    /// output stays one object per line.
    func prompt(_ text: String) {
        if format == .json { FileHandle.standardError.write(Data(text.utf8)) } else { print(text) }
    }

    /// Reports a failure that is not a diagnostic and returns exit code 1: `Error: message` on
    /// standard error, or `{"error": {"code", "message"}}`.
    func fail(_ code: String, _ message: String) -> ExitCode {
        struct Body: Encodable { var error: Detail }
        struct Detail: Encodable { var code: String; var message: String }
        note("Error: \(message)\n", event: Said(Body(error: Detail(code: code, message: message)), ""))
        return ExitCode(1)
    }
}
