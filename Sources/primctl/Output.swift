import ArgumentParser
import Foundation
import PrimPlan

/// Writes results and errors in the chosen format.
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

    /// One JSON object on one line, from plain values (strings, numbers, booleans, arrays).
    func json(_ fields: [String: Any]) {
        let data =
            (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        print(String(decoding: data, as: UTF8.self) + "\n")
    }

    /// Reports a failure that is not a diagnostic and returns exit code 1.
    func fail(_ code: String, _ message: String) -> ExitCode {
        switch format {
        case .human:
            FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        case .json:
            struct Body: Encodable { var error: Detail }
            struct Detail: Encodable { var code: String; var message: String }
            print(JSONOutput.encode(Body(error: Detail(code: code, message: message))))
        }
        return ExitCode(1)
    }
}
