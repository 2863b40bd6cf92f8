import ArgumentParser
import CaddyReconciler
import PrimModel
import PrimPlan
import SecretsReconciler
import SystemdReconciler

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what apply would change on this host.",
        discussion: "Exit codes: 0 no changes, 2 changes pending, 1 error (as Terraform's -detailed-exitcode).")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let output = Output(format: options.format)
        let config: HostConfig
        let source: StateSource
        do {
            config = try HostConfigLoader.load(options.config)
            source = try StateSource.read(options, cacheRoot: HostConfigLoader.cacheRoot(options.config))
        } catch {
            throw output.fail("state-unreadable", "\(error)")
        }
        let result = StateLoader.load(source.snapshot)
        guard result.isValid else {
            switch options.format {
            case .human: output.print(DiagnosticRenderer.human(result.diagnostics, root: source.label))
            case .json: output.print(DiagnosticRenderer.json(result.diagnostics, root: source.label))
            }
            throw ExitCode(1)
        }
        let plan: Plan
        do {
            plan = try HostPlanning.plan(result.state, config: config)
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

/// Observes the host and plans: the one place desired meets observed.
enum HostPlanning {
    static func plan(_ state: DesiredState, config: HostConfig) throws -> Plan {
        let host = try DesiredBuilder.host(state, named: config.host)
        let secrets = try SecretStore(config: config).values()
        let desired = DesiredBuilder.build(state, host: host, config: config, secrets: secrets)
        let env = try EnvFileObserver(config: config).observe()
        let units = try SystemdObserver(config: config).observe()
        let caddy = try CaddyObserver(config: config).observe()
        let observed = ObservedState(resources: env + units + caddy.resources, caddySites: caddy.sites)
        return Planner.plan(desired: desired, observed: observed)
    }
}
