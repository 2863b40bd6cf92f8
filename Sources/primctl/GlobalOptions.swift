import ArgumentParser
import PrimModel

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
}

extension GlobalOptions {
    /// The output in the chosen format, and the host config (its errors written there).
    func hostConfig() throws -> (Output, HostConfig) {
        let output = Output(format: format)
        return (output, try HostConfigLoader.load(self, output))
    }
}
