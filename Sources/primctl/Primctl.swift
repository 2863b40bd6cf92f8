import ArgumentParser
import Foundation
import PrimModel

@main
struct Primctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "primctl",
        abstract: "Operate prim: validate state, plan changes, and inspect a host.",
        version: PrimVersion.number,
        subcommands: [
            Validate.self, Diff.self, Apply.self, Status.self, History.self, Rollback.self, Reconcile.self,
            SuspendCommand.self, ResumeCommand.self, Secret.self, HostCommand.self, DNSCommand.self,
        ])

    /// As ArgumentParser's, but a usage error (an unknown option or value: exit 64) asked for in
    /// `--format json` is one JSON object on stdout too.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            let arguments = CommandLine.arguments
            let json =
                zip(arguments, arguments.dropFirst()).contains { $0 == "--format" && $1 == "json" }
                || arguments.contains("--format=json")
            if json, code == .validationFailure {
                _ = Output(format: .json).fail("usage", message(for: error))
                exit(withError: ExitCode(code.rawValue))
            }
            exit(withError: error)
        }
    }
}
