import ArgumentParser
import Foundation
import PrimModel
import SecretsReconciler

struct Secret: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage secret values in this host's secret store.",
        subcommands: [Set.self])

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a secret's value, read from standard input (never from arguments).")

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The secret's name, as the env key prims read (e.g. TAVILY_API_KEY).")
        var name: String

        func run() throws {
            let output = Output(format: options.format)
            guard name.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
                throw output.fail("invalid-name", "secret name '\(name)' must be letters, digits and '_', not starting with a digit")
            }
            var value = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
            if value.last == 0x0A { value.removeLast() }
            if value.last == 0x0D { value.removeLast() }
            guard !value.isEmpty, !value.contains(0x0A), !value.contains(0) else {
                throw output.fail("invalid-value", "the value on standard input must be one non-empty line without NUL")
            }
            do {
                let config = try HostConfigLoader.load(options.config)
                try SecretStore(config: config).set(name, value: value)
            } catch {
                throw output.fail("store-failed", "\(error)")
            }
            switch options.format {
            case .human: output.print("Secret \(name) stored.\n")
            case .json: output.print("{\"stored\": \"\(name)\"}\n")
            }
        }
    }
}
