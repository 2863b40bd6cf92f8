import ArgumentParser
import PrimHost
import PrimPlan

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what apply would change on this host.",
        discussion: "Exit codes: 0 no changes, 2 changes pending, 1 error (as Terraform's -detailed-exitcode).")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let output = Output(format: options.format)
        let loaded = try LoadedState.load(options, output: output)
        let plan: Plan
        do {
            plan = try HostSession(config: loaded.config, source: loaded.source.tree).plan(loaded.result.state).plan
        } catch {
            throw output.fail("observe-failed", "\(error)")
        }
        switch options.format {
        case .human: output.print(HumanPlanRenderer.render(plan))
        case .json: output.print(JSONPlanRenderer.render(plan))
        }
        if plan.hasChanges { throw ExitCode(2) }
    }
}
