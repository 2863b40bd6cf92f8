import PrimModel
import PrimSystem
import PrimX402

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// upstream domain.sh's DNS API (packages/domain of primsh/prim.sh): zones `z_…`, records `r_…`
/// listed 100 a page by cursor, changed in batches of at most 200 operations. Every call is paid
/// with x402 from the host's wallet. domain.sh lists only records made through it, and keeps no
/// comments: a record is prim's by the inventory alone.
///
/// No paid or ambiguous call is sent twice: a batch lists the zone first and sends only what is
/// not there yet; after a timeout or 5xx the zone is listed again, and a record the batch created
/// that domain.sh does not list is held (`dns-unconfirmed.json`) instead of being sent again, which
/// could duplicate it at domain.sh's own provider.
public final class DomainSh: DNSProvider, @unchecked Sendable {
    public static let maxOperations = 200
    public static let pageSize = 100
    /// Upstream's prices (DOMAIN_ROUTES), for the plan's estimate; what is paid is what each 402 asks.
    public static let listPrice: UInt64 = 1_000
    public static let batchPrice: UInt64 = 5_000

    let api: String
    let payer: X402Payer
    let unconfirmed: UnconfirmedRecords
    var zoneIDs: [String: String] = [:]
    public var marksRecords: Bool { false }

    public init(config: HostConfig) throws {
        guard let api = config.dnsAPI else {
            throw SystemError(
                "dns.api is not set in the host config; set it to domain.sh's address (https://domain.prim.sh)")
        }
        self.api = api.hasSuffix("/") ? String(api.dropLast()) : api
        guard let keyFile = config.dnsWalletKeyFile else {
            throw SystemError(
                "dns.wallet_key_file is not set in the host config; domain.sh is paid with x402: point it at a file (mode 0600) holding the host wallet's private key"
            )
        }
        guard let text = try FileReader.secret(keyFile), let wallet = Wallet(privateKeyHex: text) else {
            throw SystemError("dns.wallet_key_file '\(keyFile)' does not hold a private key (0x and 64 hex digits)")
        }
        guard let network = Network.named(config.dnsNetwork) else {
            throw SystemError(
                "dns.network '\(config.dnsNetwork)' is not one prim pays on (\(Network.known.map(\.id).joined(separator: ", ")))"
            )
        }
        payer = X402Payer(
            wallet: wallet, limits: SpendingLimits(networks: [network], perCall: config.dnsMaxPerCall),
            budget: config.dnsMaxSpend, what: "domain.sh")
        unconfirmed = UnconfirmedRecords(dataDir: config.dataDir)
    }

    struct Page<T: Decodable>: Decodable {
        var data: [T]
        var pagination: Pagination?
        struct Pagination: Decodable {
            var next_cursor: String?
            var has_more: Bool?
        }
    }

    struct Zone: Decodable {
        var id: String
        var domain: String
    }

    struct Record: Codable {
        var id: String?
        var type: String
        var name: String
        var content: String
        var ttl: Int?
        var proxied: Bool?
        var priority: Int?
    }

    public func zones() throws -> [String] {
        var zones: [Zone] = try pages("/v1/zones")
        zones = zones.filter { !$0.domain.isEmpty }
        zoneIDs = Dictionary(
            zones.map { ($0.domain.lowercased().trimmingDot, $0.id) }, uniquingKeysWith: { first, _ in first })
        return zones.map { $0.domain.lowercased().trimmingDot }
    }

    func zoneID(_ zone: String) throws -> String {
        if zoneIDs.isEmpty { _ = try zones() }
        guard let id = zoneIDs[zone] else {
            throw SystemError(
                "zone \(zone) is not one of this wallet's zones at domain.sh (\(payer.wallet.address)); create it there (POST /v1/zones) or fix dns/\(zone).yaml"
            )
        }
        return id
    }

    public func list(zone: String) throws -> [RRset] {
        let records: [Record] = try pages("/v1/zones/\(try zoneID(zone))/records")
        var sets: [String: (ttl: Int, contents: [String], ids: [String], type: String, name: String)] = [:]
        for record in records {
            let key = "\(record.name.lowercased().trimmingDot)/\(record.type.uppercased())"
            var set =
                sets[key] ?? (record.ttl ?? 300, [], [], record.type.uppercased(), record.name.lowercased().trimmingDot)
            set.contents.append(Self.content(of: record))
            if let id = record.id { set.ids.append(id) }
            sets[key] = set
        }
        return sets.values.map { RRset(name: $0.name, type: $0.type, ttl: $0.ttl, contents: $0.contents, ids: $0.ids) }
            .sorted { $0.address.name < $1.address.name }
    }

    /// Every page of a cursor-paged list.
    func pages<T: Decodable>(_ path: String) throws -> [T] {
        var items: [T] = []
        var after: String?
        repeat {
            let url = api + path + "?limit=\(Self.pageSize)" + (after.map { "&after=\($0)" } ?? "")
            let response = try payer.send("GET", url, timeout: 10)
            guard response.status == 200 else { throw Self.failure(response, doing: "GET \(path)") }
            guard let page = try? JSONDecoder().decode(Page<T>.self, from: Data(response.body)) else {
                throw SystemError(
                    "domain.sh's answer to GET \(path) is not a page of its API ({data, pagination})", class: .transient
                )
            }
            items += page.data
            after = page.pagination?.has_more == true ? page.pagination?.next_cursor : nil
        } while after != nil
        return items
    }

    public func apply(zone: String, _ batch: DNSBatch) throws {
        guard !batch.isEmpty else { return }
        let id = try zoneID(zone)
        // Listed first: what is already there is not sent again (an earlier attempt may have made it).
        let live = Dictionary(
            try list(zone: zone).map { ($0.address.name, $0) }, uniquingKeysWith: { first, _ in first })
        var deletes: [String] = []
        var creates: [(RRset, [Record])] = []
        for set in batch.deletes { deletes += live[set.address.name]?.ids ?? [] }
        for set in batch.replaces {
            let current = live[set.address.name]
            if let current, current.contents == set.contents, current.ttl == set.ttl { continue }
            deletes += current?.ids ?? []
            creates.append((set, set.contents.map { Self.record(set, content: $0) }))
        }
        let held = unconfirmed.held(zone: zone).intersection(creates.map { $0.0.address.name })
        if !held.isEmpty {
            throw SystemError(
                "domain.sh answered an earlier batch ambiguously and does not list \(held.sorted().joined(separator: ", ")); they may exist at its provider already, so prim does not send them again. Check them with dig, then run primctl dns release \(held.sorted().joined(separator: " "))"
            )
        }
        // Dependency order: every delete before any create (an A→CNAME swap), 200 operations a batch.
        var operations: [(delete: String?, create: Record?, set: RRset?)] = deletes.map { ($0, nil, nil) }
        operations += creates.flatMap { set, records in records.map { (nil, $0, set) } }
        var start = 0
        while start < operations.count {
            let chunk = Array(operations[start..<min(start + Self.maxOperations, operations.count)])
            try send(
                chunk.compactMap(\.delete), chunk.compactMap(\.create), zone: zone, id: id,
                creating: Array(Set(chunk.compactMap { $0.set?.address.name })))
            start += Self.maxOperations
        }
    }

    struct Batch: Encodable {
        var create: [Record]?
        var delete: [[String: String]]?
    }

    func send(_ deletes: [String], _ creates: [Record], zone: String, id: String, creating: [String]) throws {
        let body = Array(
            try PrimJSON.wire().encode(
                Batch(
                    create: creates.isEmpty ? nil : creates,
                    delete: deletes.isEmpty ? nil : deletes.map { ["id": $0] })))
        let response: HTTPResponse
        do {
            response = try payer.send("POST", api + "/v1/zones/\(id)/records/batch", body: body, timeout: 30)
        } catch let error as SystemError where error.errorClass == .transient {
            try resolveAmbiguity(zone: zone, creating: creating)
            throw error
        }
        switch response.status {
        case 200..<300:
            return
        case 404 where deletes.count > 0 && creates.isEmpty:
            // A record already gone: deleting it is done.
            return
        case 429:
            throw Self.failure(response, doing: "the batch for \(zone)")
        case 500...:
            try resolveAmbiguity(zone: zone, creating: creating)
            throw Self.failure(response, doing: "the batch for \(zone)")
        default:
            throw Self.failure(response, doing: "the batch for \(zone)")
        }
    }

    /// After an answer that does not say whether the batch ran: list the zone again, and hold the
    /// created rrsets it does not show.
    func resolveAmbiguity(zone: String, creating: [String]) throws {
        let listed = Set((try? list(zone: zone))?.map(\.address.name) ?? [])
        let missing = creating.filter { !listed.contains($0) }
        if !missing.isEmpty { try unconfirmed.hold(zone: zone, missing) }
    }

    /// A refusal as people read it, from upstream's error bodies (`{error:{code,message}}`,
    /// `validation_error` with `issues`, and the string-valued 413 and 403).
    static func failure(_ response: HTTPResponse, doing what: String) -> SystemError {
        let json = JSONValue.parse(response.body)
        let error = json?["error"]
        var message =
            error?["message"]?.string ?? json?["message"]?.string ?? error?.string ?? "HTTP \(response.status)"
        if case .array(let issues)? = error?["issues"] ?? json?["issues"] {
            message +=
                ": "
                + issues.map { "\($0["path"]?.string ?? "?"): \($0["message"]?.string ?? "")" }.joined(separator: "; ")
        }
        let code = error?["code"]?.string ?? error?.string ?? ""
        switch response.status {
        case 413:
            return SystemError(
                "domain.sh refused \(what) as too large (\(message)); prim sends at most \(maxOperations) operations a batch"
            )
        case 403:
            return SystemError(
                "domain.sh refused \(what): \(message) (\(code)); the zone must belong to the host's wallet and the wallet be allowed"
            )
        case 404: return SystemError("domain.sh has no such zone or record for \(what): \(message)")
        case 429, 500...:
            return SystemError(
                "domain.sh answered \(response.status) to \(what): \(message) (\(code)); prim lists the zone again before sending anything more",
                class: .transient)
        default:
            return SystemError(
                "domain.sh rejected \(what) (HTTP \(response.status) \(code)): \(message); nothing in it was applied")
        }
    }

    /// A record's content in the zone-file form prim compares: targets end in a dot, MX carries its priority.
    static func content(of record: Record) -> String {
        switch record.type.uppercased() {
        case "CNAME", "NS": return record.content.hasSuffix(".") ? record.content : record.content + "."
        case "MX":
            return "\(record.priority ?? 0) " + (record.content.hasSuffix(".") ? record.content : record.content + ".")
        default: return record.content
        }
    }

    static func record(_ set: RRset, content: String) -> Record {
        switch set.type {
        case "CNAME", "NS":
            return Record(type: set.type, name: set.name, content: content.trimmingDot, ttl: set.ttl, proxied: false)
        case "MX":
            let parts = content.split(separator: " ", maxSplits: 1)
            return Record(
                type: "MX", name: set.name, content: String(parts.last ?? "").trimmingDot, ttl: set.ttl, proxied: false,
                priority: Int(parts.first ?? "") ?? 0)
        default:
            return Record(type: set.type, name: set.name, content: content, ttl: set.ttl, proxied: false)
        }
    }
}

/// rrsets a domain.sh batch may have created without domain.sh listing them: held, by zone, in
/// `<data_dir>/dns-unconfirmed.json` until the operator releases them (`primctl dns release`).
public struct UnconfirmedRecords: Sendable {
    public let path: String

    public init(dataDir: String) { path = HostPaths(dataDir: dataDir).dnsUnconfirmed }

    public func load() -> [String: [String]] {
        guard let bytes = try? FileReader.bytes(path) else { return [:] }
        return (try? PrimJSON.decode([String: [String]].self, from: bytes)) ?? [:]
    }

    func held(zone: String) -> Set<String> { Set(load()[zone] ?? []) }

    func hold(zone: String, _ names: [String]) throws {
        var all = load()
        all[zone] = Array(Set((all[zone] ?? []) + names)).sorted()
        try AtomicFile.write(try PrimJSON.encode(all), to: path, mode: 0o600)
    }

    /// Releases rrsets (`name/TYPE`); returns the ones that were held.
    public func release(_ names: [String]) throws -> [String] {
        var all = load()
        var released: [String] = []
        for zone in all.keys {
            released += all[zone]!.filter(names.contains)
            all[zone] = all[zone]!.filter { !names.contains($0) }
            if all[zone]!.isEmpty { all[zone] = nil }
        }
        try AtomicFile.write(try PrimJSON.encode(all), to: path, mode: 0o600)
        return released
    }
}
