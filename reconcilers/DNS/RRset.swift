import PrimPlan

extension ResourceKind {
    /// One DNS rrset (a name and a type) at the host's DNS provider.
    public static let dnsRecord = ResourceKind("dns_record")
}

/// The records of one name and type: what DNS providers change as a unit.
public struct RRset: Sendable, Equatable {
    /// A full name, lower-case, without trailing dot.
    public var name: String
    public var type: String
    public var ttl: Int
    /// Each record's content in the provider's canonical form, sorted.
    public var contents: [String]
    /// The provider's ids of the records (domain.sh has them; PowerDNS names an rrset by name and type).
    public var ids: [String] = []
    /// prim's ownership marker on the rrset, if it carries one (a PowerDNS comment of account `prim`).
    public var marker: String?

    public init(name: String, type: String, ttl: Int, contents: [String], ids: [String] = [], marker: String? = nil) {
        self.name = name.lowercased().trimmingDot
        self.type = type.uppercased()
        self.ttl = ttl
        self.contents = contents.sorted()
        self.ids = ids
        self.marker = marker
    }

    public var address: ResourceAddress { ResourceAddress(.dnsRecord, "\(name)/\(type)") }

    /// The rrset in zone-file form, a line a record: what plans show and digests compare.
    public var text: String { contents.map { "\(name). \(ttl) IN \(type) \($0)\n" }.joined() }

    /// The name and type of an address (`search.prim.test/A`).
    public static func key(of address: ResourceAddress) -> (name: String, type: String)? {
        guard let slash = address.name.lastIndex(of: "/") else { return nil }
        return (String(address.name[..<slash]), String(address.name[address.name.index(after: slash)...]))
    }
}

/// prim's mark on what it writes: `prim host=<host> prim=<id>` (or `records=<zone file>`).
/// A record without it, or with another host's, is not this host's and is never changed.
public enum DNSMarker {
    public static let account = "prim"

    public static func text(host: String, prim: String?, zoneFile: String?) -> String {
        "prim host=\(host) " + (prim.map { "prim=\($0)" } ?? "records=\(zoneFile ?? "dns")")
    }

    public static func isOwned(_ marker: String?, host: String) -> Bool {
        guard let marker else { return false }
        return marker.split(separator: " ").contains("host=\(host)")
    }

    /// The prim a mark names (`prim=<id>`).
    public static func prim(in marker: String?) -> String? { field("prim", in: marker) }

    /// The host a mark names (`host=<name>`).
    public static func host(in marker: String?) -> String? { field("host", in: marker) }

    static func field(_ key: String, in marker: String?) -> String? {
        marker?.split(separator: " ").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }
}

extension String {
    var trimmingDot: String { hasSuffix(".") ? String(dropLast()) : self }
    var trimmed: String { String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed()) }
}
