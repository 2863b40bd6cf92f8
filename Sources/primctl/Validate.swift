import ArgumentParser

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a state tree; report every problem with its file, line and column.",
        discussion: "Exit codes: 0 valid, 1 invalid or unreadable.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        _ = try LoadedState.load(options, output: options.output, needsConfig: false)
    }
}
