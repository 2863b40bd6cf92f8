import ArgumentParser
import Foundation
import PrimAge
import PrimModel
import PrimPlan
import PrimSystem
import SecretsReconciler

struct Secret: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage secrets: this host's store (set, list, rm) and values committed encrypted (encrypt, rekey).",
        subcommands: [Set.self, List.self, Remove.self, Encrypt.self, Rekey.self])

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a secret's value, read from standard input (never from arguments).")

        @OptionGroup var options: HostOptions

        @Argument(help: "The secret's name, as the env key prims read (e.g. TAVILY_API_KEY).")
        var name: String

        func run() throws {
            let output = options.output
            try Secret.checkName(name, output)
            let value = try Secret.readValue(output)
            do {
                let config = try HostConfigLoader.load(options.config)
                try SecretStore(config: config).set(name, value: value)
            } catch {
                throw output.fail("store-failed", "\(error)")
            }
            struct Stored: Encodable { var stored: String }
            output.show(Said(Stored(stored: name), "Secret \(name) stored.\n"))
        }
    }

    /// A secret's name is an env key: letters, digits and '_', not starting with a digit.
    static func checkName(_ name: String, _ output: Output) throws {
        guard name.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
            throw output.fail(
                "invalid-name", "secret name '\(name)' must be letters, digits and '_', not starting with a digit")
        }
    }

    /// Reads one line of value from standard input: non-empty, no NUL, no line break inside.
    static func readValue(_ output: Output) throws -> [UInt8] {
        var value = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        if value.last == 0x0A { value.removeLast() }
        if value.last == 0x0D { value.removeLast() }
        guard !value.isEmpty, !value.contains(0x0A), !value.contains(0x0D), !value.contains(0) else {
            throw output.fail("invalid-value", "the value on standard input must be one non-empty line without NUL")
        }
        return value
    }

    /// The recipients of every host that runs one of `prims` (hosts/<name>.yaml secret_recipients).
    static func recipients(
        of prims: [String], in state: DesiredState, name: String, _ output: Output
    ) throws -> [Age.Recipient] {
        let hosts = state.prims.filter { prim in prims.contains("*") || prims.contains(prim.id) }.compactMap {
            state.host(for: $0)
        }
        var recipients: [Age.Recipient] = []
        var seen: Swift.Set<String> = []
        for host in hosts.sorted(by: { $0.name < $1.name }) {
            guard !host.secretRecipients.isEmpty else {
                throw output.fail(
                    "no-recipients",
                    "host '\(host.name)' runs a prim of \(name) but declares no secret_recipients; run `primctl host init` on it and add the recipient it prints to hosts/\(host.name).yaml"
                )
            }
            for text in host.secretRecipients where seen.insert(text).inserted {
                do { recipients.append(try Age.Recipient(text)) } catch {
                    throw output.fail("invalid-recipient", "\(StateLayout.Folder.hosts.file(host.name)): \(error)")
                }
            }
        }
        guard !recipients.isEmpty else {
            throw output.fail(
                "no-recipients",
                "none of \(prims.joined(separator: ", ")) runs on a declared host; nothing to encrypt to")
        }
        return recipients
    }

    /// Writes secrets/NAME.yaml with `value` encrypted to `recipients`; returns its path.
    static func write(
        _ name: String, value: [UInt8], prims: [String], description: String?, to recipients: [Age.Recipient],
        state: String, _ output: Output
    ) throws -> String {
        let armored = String(decoding: try Age.encrypt(value, to: recipients, armored: true), as: UTF8.self)
        var text = "# Encrypted to: \(recipients.map(\.encoded).joined(separator: ", ")) (primctl secret encrypt)\n"
        text += "prims: [\(prims.joined(separator: ", "))]\n"
        if let description { text += "description: \(description.debugDescription)\n" }
        text += "encrypted: |\n" + armored.split(separator: "\n").map { "  \($0)\n" }.joined()
        let path = "\(state)/\(StateLayout.Folder.secrets.file(name))"
        do {
            try AtomicFile.write(Array(text.utf8), to: path, mode: 0o644)
        } catch {
            throw output.fail("write-failed", "\(error)")
        }
        return path
    }

    /// The state of a directory, valid, or the command's failure already printed.
    static func state(_ options: GlobalOptions, _ output: Output) throws -> DesiredState {
        guard options.repo == nil else {
            throw output.fail("needs-directory", "this writes into a state directory: use --state DIR, not --repo")
        }
        let result: LoadResult
        do {
            result = StateLoader.load(try DirectoryReader.read(options.state ?? "."))
        } catch {
            throw output.fail("state-unreadable", "\(error)")
        }
        guard result.isValid else {
            output.show(DiagnosticsView(result.diagnostics, root: options.state ?? "."))
            throw ExitCode(1)
        }
        return result.state
    }

    struct Rekey: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encrypt every encrypted secret of the state again, to the recipients its hosts declare now.",
            discussion:
                "Run it on a host whose identity can read them, after a host's recipient changed. Values are never printed."
        )

        @OptionGroup var options: GlobalOptions

        func run() throws {
            let output = options.output
            let state = try Secret.state(options, output)
            let config = try HostConfigLoader.load(options.config, output)
            let identity: Age.Identity
            do { identity = try HostIdentity.load(config) } catch { throw output.fail("identity", "\(error)") }
            var written: [String] = []
            for secret in state.secrets.sorted(by: { $0.name < $1.name }) {
                guard let encrypted = secret.encrypted else { continue }
                let value: [UInt8]
                do {
                    value = try Age.decrypt(Array(encrypted.utf8), with: identity)
                } catch {
                    throw output.fail(
                        "cannot-decrypt",
                        "\(secret.file): \(error); rekey on a host that can read it, or encrypt it anew with `primctl secret encrypt \(secret.name)`"
                    )
                }
                let recipients = try Secret.recipients(of: secret.prims, in: state, name: secret.name, output)
                written.append(
                    try Secret.write(
                        secret.name, value: value, prims: secret.prims, description: secret.description,
                        to: recipients, state: options.state ?? ".", output))
            }
            struct Written: Encodable { var written: [String] }
            output.show(
                Said(
                    Written(written: written),
                    written.isEmpty ? "No encrypted secrets.\n" : written.map { "Wrote \($0)\n" }.joined()))
        }
    }

    struct Encrypt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Write secrets/NAME.yaml with the value (from standard input) encrypted to the recipients of every host running its prims.",
            discussion:
                "The recipients come from the state: hosts/<name>.yaml secret_recipients of each host that runs one of the secret's prims. The value is never printed or kept."
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The secret's name, as the env key prims read.")
        var name: String

        @Option(
            help:
                "The prims that get it (comma-separated), for a new secret; an existing file's list is kept otherwise.")
        var prims: String?

        func run() throws {
            let output = options.output
            try Secret.checkName(name, output)
            let state = try Secret.state(options, output)
            let existing = state.secrets.first { $0.name == name }
            let given =
                prims.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
                ?? existing?.prims ?? []
            guard !given.isEmpty else {
                throw output.fail("no-prims", "secret \(name) is new: say which prims get it with --prims a,b")
            }
            let recipients = try Secret.recipients(of: given, in: state, name: name, output)
            let value = try Secret.readValue(output)
            let path = try Secret.write(
                name, value: value, prims: given, description: existing?.description, to: recipients,
                state: options.state ?? ".", output)
            struct Written: Encodable {
                var written: String
                var recipients: Int
            }
            output.show(
                Said(
                    Written(written: path, recipients: recipients.count),
                    "Wrote \(path), encrypted to \(recipients.count) recipient\(recipients.count == 1 ? "" : "s").\n"))
        }
    }
}
