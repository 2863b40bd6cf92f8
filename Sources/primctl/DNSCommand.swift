import ArgumentParser
import DNSReconciler
import Foundation
import PrimModel
import PrimPlan

struct DNSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns", abstract: "Records a paid DNS provider (domain.sh) may hold without listing them.",
        subcommands: [Held.self, Release.self])

    struct Held: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the rrsets held after an ambiguous domain.sh answer (their prims wait).")

        @OptionGroup var options: HostOptions

        func run() throws {
            let (output, config) = try options.hostConfig()
            let held = UnconfirmedRecords(dataDir: config.dataDir).load()
            struct Held: Encodable { var held: [String: [String]] }
            let lines = held.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.joined(separator: " "))\n" }
            output.show(Said(Held(held: held), held.isEmpty ? "No records are held.\n" : lines.joined()))
        }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let prim create held rrsets again (NAME/TYPE, as `primctl dns held` lists them).",
            discussion:
                "Check first (dig @the-zone's-server NAME TYPE) that the record is not served: if it is, domain.sh's provider holds it unlisted and creating it again would duplicate it."
        )

        @OptionGroup var options: HostOptions
        @Argument(help: "rrsets like search.prim.sh/A") var names: [String]

        func run() throws {
            let (output, config) = try options.hostConfig()
            let released: [String]
            do {
                released = try UnconfirmedRecords(dataDir: config.dataDir).release(names)
            } catch {
                throw output.fail("release-failed", "\(error)")
            }
            let unknown = names.filter { !released.contains($0) }
            guard unknown.isEmpty else {
                throw output.fail(
                    "not-held",
                    "\(unknown.joined(separator: ", ")) \(unknown.count == 1 ? "is" : "are") not held; `primctl dns held` lists what is"
                )
            }
            struct Released: Encodable { var released: [String] }
            output.show(
                Said(
                    Released(released: released),
                    "Released \(released.joined(separator: " ")); the next apply creates them.\n"))
        }
    }
}
