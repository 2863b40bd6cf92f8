import ArgumentParser
import Foundation
import PrimModel
import PrimPlan
import SecretsReconciler

extension Secret {
    /// One secret as `secret list` shows it: never its value.
    struct Entry: Encodable, Equatable {
        var name: String
        /// The prims its declaration gives it to (`*`: every prim).
        var prims: [String]
        /// `store` (this host's store holds the value its `external: true` declaration takes),
        /// `encrypted` (committed in git), `missing` (declared external, not in the store),
        /// `unused` (in the store, but no declaration takes it from there), `not-needed` (declared
        /// external, not stored, and none of its prims is deployed on this host).
        var source: String
        var note: String?
    }

    /// Every declared secret and every stored one, by name. `deployed`: the prims this host runs (a
    /// declared value none of them gets is not needed here).
    static func entries(state: DesiredState?, stored: [String], deployed: Swift.Set<String>) -> [Entry] {
        let declared = Dictionary(state?.secrets.map { ($0.name, $0) } ?? [], uniquingKeysWith: { a, _ in a })
        return Swift.Set(declared.keys).union(stored).sorted().map { name in
            let inStore = stored.contains(name)
            guard let spec = declared[name] else {
                return Entry(
                    name: name, prims: [], source: "unused",
                    note: state == nil
                        ? "no state was read: pass --state or --repo to see who uses it"
                        : "no secrets/*.yaml declares it: no prim gets it; `primctl secret rm \(name)` removes it")
            }
            if spec.encrypted != nil {
                return Entry(
                    name: name, prims: spec.prims, source: "encrypted",
                    note: inStore
                        ? "committed encrypted; the store's value of that name is not used (`primctl secret rm \(name)`)"
                        : nil)
            }
            let here = spec.prims.contains("*") ? deployed.sorted() : spec.prims.filter { deployed.contains($0) }
            if !inStore && here.isEmpty {
                return Entry(
                    name: name, prims: spec.prims, source: "not-needed",
                    note: "none of its prims is deployed on this host")
            }
            return Entry(
                name: name, prims: spec.prims, source: inStore ? "store" : "missing",
                note: inStore
                    ? nil
                    : "`primctl secret set \(name)` (value on stdin); until then \(here.joined(separator: ", ")) \(here.count == 1 ? "is" : "are") not deployed here"
            )
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "List secrets by name: the prims each is given to and where its value comes from (never a value).",
            discussion:
                "Declarations are read from --state or --repo; without either, from the repository primd follows (controller.repo) when there is one, else from the current directory."
        )

        @OptionGroup var options: GlobalOptions

        func run() throws {
            let (output, config) = try options.hostConfig()
            var options = self.options
            if options.state == nil, options.repo == nil, let repo = config.controller.repo {
                options.repo = repo
                options.rev = config.controller.branch
                options.state = config.controller.statePath
            }
            let loaded = try LoadedState.load(options, output: output)
            let state = loaded.result.state
            let deployed =
                (try? DesiredBuilder.host(state, named: config.host)).map {
                    Swift.Set(state.deployedPrims(on: $0).map(\.id))
                } ?? []
            let entries = Secret.entries(state: state, stored: SecretStore(config: config).names(), deployed: deployed)
            output.show(SecretsView(secrets: entries))
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "Remove a secret's value from this host's store.",
            discussion:
                "A prim still given it is blocked from the next apply on: it is left as it runs, and the plan says what it waits for."
        )

        @OptionGroup var options: HostOptions

        @Argument(help: "The secret's name.")
        var name: String

        func run() throws {
            let output = options.output
            try Secret.checkName(name, output)
            let config = try HostConfigLoader.load(options.config, output)
            let removed: Bool
            do {
                removed = try SecretStore(config: config).remove(name)
            } catch {
                throw output.fail("store-failed", "\(error)")
            }
            guard removed else {
                throw output.fail(
                    "not-found", "this host's store holds no secret \(name); `primctl secret list` shows what it holds")
            }
            struct Removed: Encodable { var removed: String }
            output.show(Said(Removed(removed: name), "Secret \(name) removed from this host's store.\n"))
        }
    }
}

/// `primctl secret list`: a table, or `{"secrets": […]}`.
struct SecretsView: CommandView {
    var secrets: [Secret.Entry]

    func human(_ palette: Palette) -> String {
        guard !secrets.isEmpty else { return "No secrets declared or stored.\n" }
        let width = secrets.map(\.name.count).max() ?? 0
        var text = "\("NAME".padding(toLength: width, withPad: " ", startingAt: 0))  SOURCE     PRIMS\n"
        for entry in secrets {
            let prims = entry.prims.isEmpty ? "-" : entry.prims.joined(separator: ", ")
            text +=
                "\(entry.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(entry.source.padding(toLength: 9, withPad: " ", startingAt: 0))  \(prims)\(entry.note.map { "  (\($0))" } ?? "")\n"
        }
        return text
    }
}
