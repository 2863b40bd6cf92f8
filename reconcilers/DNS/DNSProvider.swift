/// One batched change to a zone: deletions first, then replacements, applied together or not at all.
public struct DNSBatch: Sendable, Equatable {
    public var deletes: [RRset] = []
    public var replaces: [RRset] = []
    /// The ownership marker each replaced rrset gets, by address name.
    public var markers: [String: String] = [:]
    /// Replaced rrsets whose marks are left as they are (someone else's rrset a challenge value is
    /// added to), by address name: their comments are not sent, so the provider keeps them.
    public var keepMarks: Set<String> = []

    public init() {}

    public var isEmpty: Bool { deletes.isEmpty && replaces.isEmpty }
}

/// A DNS provider, shaped for both PowerDNS (one call per zone) and domain.sh (paged lists,
/// record ids, batches of up to 200 operations).
public protocol DNSProvider {
    /// The names of the zones the provider holds.
    func zones() throws -> [String]
    /// Every rrset of the zone, all pages read. Throws when the zone does not exist.
    func list(zone: String) throws -> [RRset]
    /// Applies one batch to the zone in one change: all of it, or nothing (the provider's rejection is thrown).
    func apply(zone: String, _ batch: DNSBatch) throws
    /// Whether the provider keeps prim's ownership marks on rrsets (PowerDNS comments); without
    /// them the inventory alone says what prim made.
    var marksRecords: Bool { get }
}

extension DNSProvider {
    public var marksRecords: Bool { true }
}
