import ArgumentParser
import Foundation
import PrimModel
import SecretsReconciler

struct HostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host", abstract: "This host's age identity, which decrypts the state's encrypted secrets.",
        subcommands: [Init.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Make this host's age identity (once; 0600 at the host config's `identity`) and print its recipient.",
            discussion:
                "The identity itself is never printed. Put the recipient in hosts/<name>.yaml secret_recipients.")

        @OptionGroup var options: HostOptions

        func run() throws {
            let (output, config) = try options.hostConfig()
            let recipient: String
            let created: Bool
            do {
                let (identity, fresh) = try HostIdentity.ensure(config)
                (recipient, created) = (identity.recipient.encoded, fresh)
            } catch {
                throw output.fail("identity-failed", "\(error)")
            }
            switch options.format {
            case .human:
                output.print(
                    created
                        ? "Made this host's identity at \(config.identityFile) (0600).\n"
                        : "This host's identity is at \(config.identityFile).\n")
                output.print("Its recipient (add it to hosts/<name>.yaml secret_recipients):\n\(recipient)\n")
            case .json:
                output.json(["recipient": recipient, "identity_file": config.identityFile, "created": created])
            }
        }
    }
}
