import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// DNS records at the host's DNS provider: an rrset per name and type, marked as prim's with the
/// host's name. Records prim did not create are never changed or deleted; one at a name prim wants
/// blocks that prim unless `dns.adopt`. Created before routes are loaded (and seen on the
/// authoritative server first), removed after routes are dropped; one batched change per zone
/// in each of those two places.
public struct DNSReconciler: Reconciler {
    public init() {}

    public let kind = ResourceKind.dnsRecord
    public let createOrder = 40
    public let removalOrder = 40
    public var marksOwnership: Bool { true }

    public static let allowDeletes = Override(rawValue: "dns-deletes")
    /// How long a written record may take to be served by the authoritative server.
    public static let servedWithin = 10.0

    public func desire(_ input: DesireInput) throws -> [DesiredResource] {
        DNSRecordRenderer.render(input)
    }

    /// The host's DNS provider: the driver given (a test's fake), else the one the host config names.
    public static func provider(_ host: HostEnvironment) throws -> DNSProvider {
        if let given = host.drivers.other[.dnsRecord] as? DNSProvider { return given }
        let config = host.config
        switch config.dnsProvider {
        case .powerdns?:
            guard let api = config.dnsAPI else {
                throw SystemError(
                    "dns.api is not set in the host config; set it to PowerDNS's API address (http://127.0.0.1:8081)")
            }
            return try PowerDNS(api: api, keyFile: config.dnsAPIKeyFile)
        case .domainsh?:
            return try DomainSh(config: config)
        default:
            throw SystemError(
                "dns.provider '\(config.dnsProvider?.rawValue ?? "")' is not one prim drives (\(DNSProviderName.builtIn.map(\.rawValue).joined(separator: ", "))); fix dns.provider in the host config"
            )
        }
    }

    /// What is live at the provider. A provider that does not answer (after its retries) is not an
    /// error here: the plan then changes no record and holds back the prims that need a new one
    /// (`blocks`), so the rest of the host can still be fixed during a DNS outage.
    public func observe(_ host: HostEnvironment, desired: DesiredHost) throws -> [ObservedResource] {
        do {
            return try observeProvider(host, desired: desired)
        } catch let error as SystemError where error.errorClass == .transient {
            return [
                ObservedResource(
                    address: Self.unavailable, path: host.config.dnsAPI ?? "", content: error.message, digest: "")
            ]
        }
    }

    static let unavailable = ResourceAddress(.dnsServerZone, "(unavailable)")

    func observeProvider(_ host: HostEnvironment, desired: DesiredHost) throws -> [ObservedResource] {
        guard host.config.dnsProvider != nil, !desired.host.isEmpty else { return [] }
        // A paid provider's records are read by primd's drift check once a `dns.drift_interval`:
        // between two reads the check takes the records as applied.
        if host.driftCheck, host.config.dnsProvider == .domainsh {
            let stamp = host.config.paths.dnsDriftRead
            let last =
                (try? FileReader.bytes(stamp)).flatMap { $0.flatMap { Double(String(decoding: $0, as: UTF8.self)) } }
                ?? 0
            let now = Date().timeIntervalSince1970
            if now - last < Double(host.config.dnsDriftSeconds) {
                return assumedApplied(desired).map {
                    var record = $0; record.owned = true; return record
                }
            }
            try? AtomicFile.write(Array(String(now).utf8), to: stamp, mode: 0o600)
        }
        let inventory = try Inventory.load(dataDir: host.config.dataDir)
        var zones = Set(
            desired.resources.filter { $0.address.kind == kind }.compactMap {
                $0.attributes[DNSRecordRenderer.zoneAttribute]
            })
        zones.formUnion(inventory.resources.filter { $0.key.hasPrefix(kind.rawValue + ".") }.map(\.value))
        guard !zones.isEmpty else { return [] }
        let provider = try Self.provider(host)
        var observed: [ObservedResource] = []
        // Zones the server holds below a declared one: a record written into the parent for a name
        // in such a child would never be served.
        for child in try provider.zones()
        where !zones.contains(child) && zones.contains(where: { child.hasSuffix("." + $0) }) {
            observed.append(
                ObservedResource(address: ResourceAddress(.dnsServerZone, child), path: child, content: nil, digest: "")
            )
        }
        var counts: [String: Int] = [:]
        for zone in zones.sorted() {
            let sets = try provider.list(zone: zone)
            counts[zone] = sets.reduce(0) { $0 + $1.contents.count }
            for set in sets {
                // prim's: this host's mark on the rrset, and the inventory's entry (a copied or forged
                // comment alone does not make a record prim's).
                // domain.sh keeps no marks: there the inventory alone says what prim made.
                let marked = provider.marksRecords ? DNSMarker.isOwned(set.marker, host: desired.host) : true
                let owned = marked && inventory.contains(set.address)
                observed.append(
                    ObservedResource(
                        address: set.address, path: zone, content: set.text, digest: Digest.sha256(set.text),
                        owned: owned, prim: owned ? DNSMarker.prim(in: set.marker) ?? inventoryPrim(set, desired) : nil,
                        keys: [set.name],
                        attributes: [
                            DNSRecordRenderer.zoneAttribute: zone, DNSRecordRenderer.ttlAttribute: String(set.ttl),
                            DNSRecordRenderer.contentsAttribute: set.contents.joined(separator: "\n"),
                            DNSRecordRenderer.markerAttribute: set.marker ?? "",
                        ]))
            }
        }
        observed = DNSMoves.observe(observed, desired: desired, path: host.config.paths.departures)
        if provider is DomainSh {
            var attributes = ["list_price": String(DomainSh.listPrice), "batch_price": String(DomainSh.batchPrice)]
            for (zone, count) in counts { attributes["records." + zone] = String(count) }
            observed.append(
                ObservedResource(address: DNSCost.pricing, path: "", content: nil, digest: "", attributes: attributes))
            for (zone, names) in UnconfirmedRecords(dataDir: host.config.dataDir).load() {
                observed += names.map {
                    ObservedResource(
                        address: ResourceAddress(.dnsUnconfirmed, $0), path: zone, content: nil, digest: "")
                }
            }
        }
        return observed
    }

    public func notes(_ changes: [Change], _ observed: ObservedState) -> [String] {
        guard let pricing = observed.resources[DNSCost.pricing],
            let estimate = Self.estimate(changes, pricing.attributes)
        else { return [] }
        return [DNSCost.describe(estimate)]
    }

    static func estimate(_ changes: [Change], _ attributes: [String: String]) -> DNSCost.Estimate? {
        var records: [String: Int] = [:]
        for (key, value) in attributes where key.hasPrefix("records.") {
            records[String(key.dropFirst(8))] = Int(value)
        }
        return DNSCost.estimate(
            changes, records: records, listPrice: UInt64(attributes["list_price"] ?? "") ?? DomainSh.listPrice,
            batchPrice: UInt64(attributes["batch_price"] ?? "") ?? DomainSh.batchPrice)
    }

    /// A paid provider: the apply is refused before anything is written when its estimate passes `dns.max_spend`.
    public func check(_ apply: ApplyContext) throws {
        let config = apply.host.config
        guard config.dnsProvider == .domainsh,
            let estimate = Self.estimate(apply.plan.changes.filter { $0.address.kind == kind }, [:]),
            estimate.atomic > config.dnsMaxSpend
        else { return }
        throw SystemError(
            "\(DNSCost.describe(estimate)), more than dns.max_spend (\(USDC.dollars(config.dnsMaxSpend)) an apply); nothing was changed. Raise dns.max_spend in the host config, or apply fewer changes at once"
        )
    }

    /// The prim a desired rrset of the same address belongs to (a provider without marks).
    func inventoryPrim(_ set: RRset, _ desired: DesiredHost) -> String? {
        desired.resources.first { $0.address == set.address }?.prim
    }

    public func refusal(_ plan: Plan, overrides: Set<Override>) -> Refusal? {
        guard !overrides.contains(Self.allowDeletes) else { return nil }
        return DNSDeleteGuard.refusal(plan.changes.filter { $0.address.kind == kind })
    }

    public func execute(_ changes: [Change], _ apply: ApplyContext) throws {
        var written: [RRset] = []
        if !changes.isEmpty { written = try write(changes, apply) }
        // Records before routes, on every attempt: each record this apply wrote, and each record of
        // a prim whose route this apply loads (written now or by an earlier attempt), must be served
        // by the authoritative server before any route loads.
        guard let server = apply.host.config.dnsServer else { return }
        let routed = Set(
            apply.plan.pending.filter { $0.address.kind == .caddyFragment && $0.action != .delete }.compactMap(\.prim))
        // A record that moves here is written later, after the route: not waited for here.
        let already = Set(written.map(\.address)).union(
            apply.plan.pending.filter { $0.address.kind == kind && $0.late }.map(\.address))
        let routeRecords = apply.desired.resources
            .filter { $0.address.kind == kind && routed.contains($0.prim ?? "\u{0}") && !already.contains($0.address) }
            .compactMap(DNSRecordRenderer.rrset)
        for set in written + routeRecords {
            do {
                try waitUntilServed([set], by: server)
            } catch {
                let change = changes.first { $0.address == set.address }
                apply.failed(set.address, action: change?.action ?? .create, error)
                throw error
            }
        }
    }

    /// Writes `changes` in one batch per zone; returns the rrsets it wrote (not deletions).
    func write(_ changes: [Change], _ apply: ApplyContext) throws -> [RRset] {
        var written: [RRset] = []
        let provider = try Self.provider(apply.host)
        for (zone, group) in Dictionary(grouping: changes, by: \.path).sorted(by: { $0.key < $1.key }) {
            var batch = DNSBatch()
            for change in group {
                if change.action == .delete {
                    if let key = RRset.key(of: change.address) {
                        batch.deletes.append(RRset(name: key.name, type: key.type, ttl: 0, contents: []))
                    }
                } else if let resource = apply.resource(change), let set = DNSRecordRenderer.rrset(resource) {
                    batch.replaces.append(set)
                    batch.markers[set.address.name] = resource.attributes[DNSRecordRenderer.markerAttribute]
                }
            }
            try apply.batch(group) {
                // Noted before they are written: a record prim wrote is prim's even if the apply dies right after.
                for change in group where change.action != .delete { try apply.owns(change.address, path: zone) }
                do {
                    try provider.apply(zone: zone, batch)
                } catch let error as SystemError where error.errorClass == .stalled {
                    // Rejected: nothing in the zone changed, so the records just noted were not written.
                    for change in group where change.action == .create || change.adopts {
                        try? apply.owns(change.address, path: nil)
                    }
                    throw error
                }
                for change in group where change.action == .delete { try apply.owns(change.address, path: nil) }
            }
            written += batch.replaces
        }
        return written
    }

    /// The deletions, and the records of prims that move here (`late`: Caddy here routes them
    /// now), each then seen served with this host's address.
    public func remove(_ changes: [Change], _ apply: ApplyContext) throws {
        guard !changes.isEmpty else { return }
        let written = try write(changes, apply)
        if let server = apply.host.config.dnsServer { try waitUntilServed(written, by: server) }
    }

    /// Asks the authoritative server directly (no recursion) until it serves every rrset, for at
    /// most `servedWithin` seconds: a route, and the certificate order it starts, needs the name.
    func waitUntilServed(_ sets: [RRset], by server: String) throws {
        let deadline = Date().addingTimeInterval(Self.servedWithin)
        // A delegation (NS below the apex) is answered with a referral, not an answer: nothing to wait for.
        for set in sets where set.type != "NS" {
            while true {
                let reply = try? DNSQuery.ask(server, name: set.name, type: set.type)
                let answers = reply?.answers ?? []
                // A reply too large even for EDNS's 4096 bytes is cut short (TC): the server has the data.
                let served =
                    reply?.truncated == true
                    || (["A", "AAAA"].contains(set.type)
                        ? Set(answers.compactMap(\.address)) == Set(set.contents)
                        : answers.count == set.contents.count)
                if served { break }
                guard Date() < deadline else {
                    throw SystemError(
                        "\(set.name)/\(set.type) was written but \(server) does not serve it after \(Int(Self.servedWithin)) s; its route is not loaded until it does",
                        class: .transient)
                }
                usleep(20_000)
            }
        }
    }
}

extension ResourceKind {
    /// A zone the DNS server holds below a declared one: observed, never planned.
    static let dnsServerZone = ResourceKind("dns_server_zone")
}
