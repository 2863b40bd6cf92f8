import ArgumentParser
import DNSReconciler
import Foundation
import PrimModel
import PrimPlan
import PrimSystem

struct DNSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns",
        abstract: "The DNS provider's zone, and records a paid provider (domain.sh) may hold without listing them.",
        subcommands: [Init.self, Held.self, Release.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Make a zone at the host's PowerDNS (dns: in the host config), once, before prims' records go in it.",
            discussion:
                "Idempotent: a zone that exists is left as it is. domain.sh needs no such step: a domain bought there comes with its zone. Declare the zone in the state too (dns/<zone>.yaml)."
        )

        @OptionGroup var options: HostOptions
        @Argument(help: "The zone, like prim.example.com.") var zone: String
        @Option(help: "A name server for the zone's NS records (repeat it; default ns1.<zone>).")
        var nameserver: [String] = []

        func run() throws {
            let (output, config) = try options.hostConfig()
            let name = (zone.hasSuffix(".") ? String(zone.dropLast()) : zone).lowercased()
            guard config.dnsProvider == .powerdns else {
                throw output.fail(
                    "not-powerdns",
                    config.dnsProvider == nil
                        ? "the host config has no dns: block; add one naming PowerDNS (provider: powerdns, api, api_key_file, server), see docs/install.md#dns"
                        : "dns init makes zones at PowerDNS; with \(config.dnsProvider!.rawValue) the zone comes with the domain"
                )
            }
            let labels = name.split(separator: ".", omittingEmptySubsequences: false)
            guard
                labels.count >= 2,
                labels.allSatisfy({ label in
                    !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                        && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
                })
            else {
                throw output.fail("invalid-zone", "'\(zone)' is not a zone name like prim.example.com")
            }
            let created: Bool
            do {
                guard let api = config.dnsAPI else {
                    throw SystemError("dns.api is not set in the host config; set it to PowerDNS's API address")
                }
                let provider = try PowerDNS(api: api, keyFile: config.dnsAPIKeyFile)
                created = try provider.createZone(
                    name, nameservers: nameserver.isEmpty ? ["ns1.\(name)"] : nameserver)
            } catch {
                throw output.fail("zone-failed", "\(error)")
            }
            struct Zone: Encodable {
                var zone: String
                var created: Bool
            }
            output.show(
                Said(
                    Zone(zone: name, created: created),
                    created
                        ? "Made zone \(name) at PowerDNS. Declare it in the state: dns/\(name).yaml.\n"
                        : "Zone \(name) exists at PowerDNS; nothing changed.\n"))
        }
    }

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
