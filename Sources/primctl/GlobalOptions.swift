import ArgumentParser
import PrimModel
import PrimPlan

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case human, json
}

/// The options of a command that acts on this host alone: its config and the output.
struct HostOptions: ParsableArguments {
    @Option(help: "Host config file (default: $PRIM_CONFIG, then /etc/prim/primd.yaml).")
    var config: String?

    @Option(help: "Output format: human or json.")
    var format: OutputFormat = .human

    @Flag(help: "No colours in human output (also when NO_COLOR is set, or the output is not a terminal).")
    var noColor = false
}

/// The options of a command that reads a state (a directory, or a repository at a revision) besides the host's.
struct GlobalOptions: ParsableArguments {
    @Option(help: "State directory; with --repo, the state folder inside the repository.")
    var state: String?

    @Option(help: "Read state from a git repository (path or URL) instead of a directory.")
    var repo: String?

    @Option(help: "Revision to read with --repo.")
    var rev: String = "HEAD"

    @OptionGroup var host: HostOptions

    var config: String? { host.config }
    var format: OutputFormat { host.format }
    var output: Output { host.output }
    func hostConfig() throws -> (Output, HostConfig) { try host.hostConfig() }
}

extension HostOptions {
    /// The output in the chosen format, coloured when a person reads it on a terminal.
    var output: Output {
        Output(format: format, palette: Palette(enabled: format == .human && !noColor && Output.terminalWantsColor))
    }

    /// The output in the chosen format, and the host config (its errors written there).
    func hostConfig() throws -> (Output, HostConfig) {
        let output = self.output
        return (output, try HostConfigLoader.load(config, output))
    }
}
