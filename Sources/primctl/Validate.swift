import ArgumentParser
import PrimModel
import PrimPlan

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a state tree; report every problem with its file, line and column.",
        discussion: "Exit codes: 0 valid, 1 invalid or unreadable.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let output = Output(format: options.format)
        let source: StateSource
        do {
            source = try StateSource.read(options, cacheRoot: HostConfigLoader.cacheRoot(options.config))
        } catch {
            throw output.fail("state-unreadable", "\(error)")
        }
        let result = StateLoader.load(source.snapshot)
        switch options.format {
        case .human: output.print(DiagnosticRenderer.human(result.diagnostics, root: source.label))
        case .json: output.print(DiagnosticRenderer.json(result.diagnostics, root: source.label))
        }
        if !result.isValid { throw ExitCode(1) }
    }
}
