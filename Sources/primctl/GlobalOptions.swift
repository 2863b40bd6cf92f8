import ArgumentParser
import PrimModel
import PrimPlan

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case human, json
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "State directory; with --repo, the state folder inside the repository.")
    var state: String?

    @Option(help: "Read state from a git repository (path or URL) instead of a directory.")
    var repo: String?

    @Option(help: "Revision to read with --repo.")
    var rev: String = "HEAD"

    @Option(help: "Host config file (default: $PRIM_CONFIG, then /etc/prim/primd.yaml).")
    var config: String?

    @Option(help: "Output format: human or json.")
    var format: OutputFormat = .human

    @Flag(help: "No colours in human output (also when NO_COLOR is set, or the output is not a terminal).")
    var noColor = false
}

extension GlobalOptions {
    /// The output in the chosen format, coloured when a person reads it on a terminal.
    var output: Output {
        Output(format: format, palette: Palette(enabled: format == .human && !noColor && Output.terminalWantsColor))
    }

    /// The output in the chosen format, and the host config (its errors written there).
    func hostConfig() throws -> (Output, HostConfig) {
        let output = self.output
        return (output, try HostConfigLoader.load(self, output))
    }
}
