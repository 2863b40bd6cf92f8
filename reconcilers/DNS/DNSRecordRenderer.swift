import PrimEngine
import PrimModel
import PrimPlan

/// The records the state asks of the host's DNS provider: each deployed prim's endpoint → `A`
/// (the host's `address`) and `AAAA` (`address6`, when declared), in the zone that contains it,
/// and every zone file's own records. One desired resource per rrset, its content in zone-file form.
public enum DNSRecordRenderer {
    public static let zoneAttribute = "zone"
    public static let adoptAttribute = "adopt"
    public static let markerAttribute = "marker"
    public static let ttlAttribute = "ttl"
    public static let contentsAttribute = "contents"
    /// Set on a prim's record when a request to the prim cannot fail for want of a certificate if
    /// the record moves here from another host: Caddy serves plain http here, or one of prim's own
    /// certificates covers the name.
    public static let movableAttribute = "movable"

    public static func render(_ input: DesireInput) -> [DesiredResource] {
        guard let provider = input.config.dnsProvider else { return [] }
        let zones = input.state.zones.filter { $0.provider == provider.rawValue }
        var sets: [ResourceAddress: (set: RRset, zone: DNSZone, prim: String?)] = [:]
        // A zone file's own records are one host's to manage: the first of the state's hosts by name.
        let managesZoneFiles = input.state.hosts.map(\.name).min().map { $0 == input.host.name } ?? true
        for zone in zones where managesZoneFiles {
            var grouped: [String: [DNSZone.Record]] = [:]
            for record in zone.records where zone.contains(zone.absolute(record.name)) {
                grouped["\(zone.absolute(record.name))/\(record.type)", default: []].append(record)
            }
            for (_, records) in grouped {
                let first = records[0]
                let set = RRset(
                    name: zone.absolute(first.name), type: first.type, ttl: records.map(\.ttl).min() ?? zone.ttl,
                    contents: records.map { canonical($0.type, $0.content) })
                sets[set.address] = (set, zone, nil)
            }
        }
        for id in input.desired.renderings.keys.sorted() {
            guard let prim = input.desired.renderings[id]?.prim else { continue }
            let endpoint = input.host.endpoint(for: prim).lowercased()
            guard let zone = zones.filter({ $0.contains(endpoint) }).max(by: { $0.apex.count < $1.apex.count }) else {
                continue
            }
            for (type, address) in [("A", input.host.address), ("AAAA", input.host.address6)] {
                guard let address else { continue }
                let set = RRset(name: endpoint, type: type, ttl: zone.ttl, contents: [canonical(type, address)])
                sets[set.address] = (set, zone, id)
            }
        }
        return sets.keys.sorted().map { address in
            let (set, zone, prim) = sets[address]!
            var attributes = [
                zoneAttribute: zone.apex, ttlAttribute: String(set.ttl),
                contentsAttribute: set.contents.joined(separator: "\n"),
                markerAttribute: DNSMarker.text(
                    host: input.host.name, prim: prim, zoneFile: prim == nil ? zone.file : nil),
            ]
            if input.config.dnsAdopt { attributes[adoptAttribute] = "true" }
            if prim != nil,
                input.config.caddyScheme == .http || input.config.tls?.certificate(covering: set.name) != nil
            {
                attributes[movableAttribute] = "yes"
            }
            return DesiredResource(
                address: address, prim: prim, path: zone.apex, content: set.text, keys: [set.name],
                attributes: attributes)
        }
    }

    /// Content as the provider stores it: host names absolute, IPv6 in canonical form.
    public static func canonical(_ type: String, _ content: String) -> String {
        func absolute(_ name: String) -> String { name.hasSuffix(".") ? name.lowercased() : name.lowercased() + "." }
        let fields = content.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        switch type {
        case "AAAA": return DNSQuery.canonicalIPv6(content) ?? content
        case "CNAME", "NS": return absolute(content)
        case "MX" where fields.count == 2: return "\(fields[0]) \(absolute(fields[1]))"
        case "SRV" where fields.count == 4: return "\(fields[0]) \(fields[1]) \(fields[2]) \(absolute(fields[3]))"
        default: return content
        }
    }

    /// The rrset a desired resource stands for.
    public static func rrset(_ resource: DesiredResource) -> RRset? {
        guard let key = RRset.key(of: resource.address), let ttl = resource.attributes[ttlAttribute].flatMap(Int.init),
            let contents = resource.attributes[contentsAttribute]
        else { return nil }
        return RRset(
            name: key.name, type: key.type, ttl: ttl, contents: contents.split(separator: "\n").map(String.init))
    }
}
