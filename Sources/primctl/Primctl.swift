import ArgumentParser

@main
struct Primctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "primctl",
        abstract: "Operate prim: validate state, plan changes, and inspect a host.",
        subcommands: [Validate.self, Diff.self, Apply.self, Status.self, History.self, Rollback.self, Reconcile.self, SuspendCommand.self, ResumeCommand.self, Secret.self, HostCommand.self, DNSCommand.self])
}
