import DNSReconciler
import PrimEngine
import PrimModel
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// The DNS-01 records of an order, at the host's DNS provider (paid there like any record): each
/// value added to the TXT rrset at its `_acme-challenge` name beside whatever is already there
/// (a record someone else keeps at that name stays as it is, with its mark), seen on the
/// authoritative server before the CA is asked (`waitUntilServed`), and taken out again
/// afterwards, leaving only what was there before.
struct ChallengeRecords {
    let provider: DNSProvider
    /// The zone's authoritative server (`dns.server`).
    let server: String
    let host: String
    let certificate: String
    /// How long a written value may take to be served.
    var servedWithin = 30.0

    static let ttl = 60

    /// The records of `certificate`'s orders at the host's DNS provider, seen on `dns.server`.
    static func of(_ host: HostEnvironment, hostName: String, for certificate: String) throws -> ChallengeRecords {
        guard let server = host.config.dnsServer else {
            throw SystemError("dns.server is not set; prim must see a DNS-01 record served before it asks the CA")
        }
        return ChallengeRecords(
            provider: try DNSReconciler.provider(host), server: server, host: hostName, certificate: certificate)
    }

    /// The mark of an rrset prim made only for an order: never an rrset the DNS kind owns.
    var marker: String { "prim host=\(host) acme=\(certificate)" }

    func present(_ records: [IssuanceRecord.PendingRecord]) throws {
        for (zone, inZone) in Dictionary(grouping: records, by: \.zone).sorted(by: { $0.key < $1.key }) {
            let live = try provider.list(zone: zone)
            var batch = DNSBatch()
            for (name, values) in Dictionary(grouping: inZone, by: \.name).sorted(by: { $0.key < $1.key }) {
                let existing = live.first { $0.name == name && $0.type == "TXT" }
                let ours = values.map { "\"\($0.value)\"" }
                let contents = Array(Set((existing?.contents ?? []) + ours))
                let set = RRset(name: name, type: "TXT", ttl: existing?.ttl ?? Self.ttl, contents: contents)
                batch.replaces.append(set)
                // An rrset that is there already keeps its own marks (none, or its owner's).
                if existing == nil {
                    batch.markers[set.address.name] = marker
                } else {
                    batch.keepMarks.insert(set.address.name)
                }
            }
            try provider.apply(zone: zone, batch)
        }
    }

    /// Takes the order's values out; an rrset that held only them is deleted.
    func remove(_ records: [IssuanceRecord.PendingRecord]) throws {
        for (zone, inZone) in Dictionary(grouping: records, by: \.zone).sorted(by: { $0.key < $1.key }) {
            let live = try provider.list(zone: zone)
            var batch = DNSBatch()
            for (name, values) in Dictionary(grouping: inZone, by: \.name).sorted(by: { $0.key < $1.key }) {
                guard let existing = live.first(where: { $0.name == name && $0.type == "TXT" }) else { continue }
                let ours = Set(values.map { "\"\($0.value)\"" })
                let rest = existing.contents.filter { !ours.contains($0) }
                if rest.count == existing.contents.count { continue }
                if rest.isEmpty {
                    batch.deletes.append(existing)
                } else {
                    let set = RRset(name: name, type: "TXT", ttl: existing.ttl, contents: rest)
                    batch.replaces.append(set)
                    batch.keepMarks.insert(set.address.name)
                }
            }
            if !batch.isEmpty { try provider.apply(zone: zone, batch) }
        }
    }

    /// Asks the authoritative server (no recursion) until it serves every value.
    func waitUntilServed(_ records: [IssuanceRecord.PendingRecord]) throws {
        let deadline = Date().addingTimeInterval(servedWithin)
        for (name, values) in Dictionary(grouping: records, by: \.name).sorted(by: { $0.key < $1.key }) {
            let wanted = Set(values.map(\.value))
            while true {
                let answers = (try? DNSQuery.ask(server, name: name, type: "TXT"))?.answers ?? []
                if wanted.isSubset(of: Set(answers.compactMap(\.address))) { break }
                guard Date() < deadline else {
                    throw SystemError(
                        "the DNS-01 record at \(name) was written but \(server) does not serve it after \(Int(servedWithin)) s; the CA was not asked",
                        class: .transient)
                }
                usleep(50_000)
            }
        }
    }
}
