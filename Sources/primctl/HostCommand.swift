import ArgumentParser
import Foundation
import PrimModel
import PrimPlan
import PrimSystem
import SecretsReconciler

struct HostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host",
        abstract: "This host's age identity, which decrypts the state's encrypted secrets, and Caddy's first config.",
        subcommands: [Init.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Make this host's age identity (once; 0600 at the host config's `identity`) and print its recipient.",
            discussion: """
                The identity itself is never printed. Put the recipient in hosts/<name>.yaml secret_recipients.
                When the host config sets caddy.main and that file does not exist yet, it is written too (prim's
                header, prim's sites, the files of caddy.import): the Caddyfile the package's caddy.service
                drop-in starts Caddy from until primd's first apply rewrites it.
                """)

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
            var caddyMain: String?
            if let main = config.caddyMain, !FileManager.default.fileExists(atPath: main) {
                guard let header = try? FileReader.bytes(config.caddyHeader) else {
                    throw output.fail(
                        "no-caddy-header",
                        "the Caddyfile header '\(config.caddyHeader)' does not exist; install deploy/Caddyfile.header there or set caddy.header in the host config"
                    )
                }
                let text = config.caddyMainText(header: String(decoding: header, as: UTF8.self))
                do {
                    try AtomicFile.write(Array(text.utf8), to: main, mode: 0o644)
                } catch {
                    throw output.fail("caddy-main-failed", "cannot write \(main): \(error)")
                }
                caddyMain = main
            }
            struct Identity: Encodable {
                var recipient: String
                var identityFile: String
                var created: Bool
                var caddyMain: String?
            }
            var text =
                created
                ? "Made this host's identity at \(config.identityFile) (0600).\n"
                : "This host's identity is at \(config.identityFile).\n"
            text += "Its recipient (add it to hosts/<name>.yaml secret_recipients):\n\(recipient)\n"
            if let caddyMain { text += "Wrote Caddy's first config, \(caddyMain).\n" }
            output.show(
                Said(
                    Identity(
                        recipient: recipient, identityFile: config.identityFile, created: created, caddyMain: caddyMain),
                    text))
        }
    }
}
