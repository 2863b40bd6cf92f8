import ArgumentParser
import PrimHost
import PrimPlan

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what apply would change on this host.",
        discussion:
            "Exit codes: 0 no changes (a blocked prim is a warning), 2 changes pending, 1 error (as Terraform's -detailed-exitcode)."
    )

    @OptionGroup var options: GlobalOptions

    @Flag(
        name: .customLong("adopt-dns"),
        help: "Plan taking over DNS records prim did not create at the names it manages (as dns.adopt).")
    var adoptDNS = false

    func run() throws {
        let output = options.output
        var loaded = try LoadedState.load(options, output: output)
        if adoptDNS { loaded.config.dnsAdopt = true }
        var plan: Plan
        do {
            plan = try HostSession(config: loaded.config, source: loaded.source.tree).plan(loaded.result.state).plan
        } catch {
            throw output.fail("observe-failed", "\(error)")
        }
        if let conflict = PrimdFollows.conflict(loaded.config, loaded.source) { plan.notes.append(conflict) }
        output.show(PlanView(plan))
        if plan.hasChanges { throw ExitCode(2) }
    }
}
