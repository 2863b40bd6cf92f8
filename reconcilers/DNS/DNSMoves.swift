import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A prim moving between hosts, coordinated only through its DNS records. The host it moves to
/// starts and gates it, loads its route, then takes its records (marked `prim=<id>` by the other
/// host) and points them at itself. The host it leaves keeps serving it until it sees the record
/// marked with the new host's name and the longest TTL the record had, plus a margin, has passed
/// since; only then are the prim's unit, route and files removed. Neither host deletes a record
/// the other owns. Whatever cannot be seen holds the move: the host it leaves never lets go on a
/// guess.
public enum DNSMoves {
    /// Seconds after the record's TTL that the host left still serves: a resolver that asked just
    /// before the switch still has the old address for up to the TTL.
    public static let margin = 5

    static let seenAttribute = "moved_seen"
    static let ttlAttribute = "moved_ttl"
    static let observedAtAttribute = "observed_at"
    /// The provider whose records carry marks: the only one a move can be coordinated through.
    static let markingProvider = DNSProviderName.powerdns.rawValue

    /// What this host remembers of a departing prim: when it first saw the record taken, and the
    /// longest TTL the record had while it was this host's or since.
    struct Departure: Codable, Equatable {
        var seen: Double?
        var ttl: Int
    }

    /// Whether `live` is the record of a prim that moves to this host: marked by another host
    /// for the same prim, at a name this host now wants for it.
    static func movingHere(_ live: ObservedResource, wanted resource: DesiredResource, host: String) -> Bool {
        let marker = live.attributes[DNSRecordRenderer.markerAttribute]
        guard let prim = resource.prim, let other = DNSMarker.host(in: marker) else { return false }
        return other != host && DNSMarker.prim(in: marker) == prim && live.address == resource.address
    }

    static func aRecord(_ name: String) -> ResourceAddress {
        RRset(name: name, type: "A", ttl: 0, contents: []).address
    }

    /// Stamps, on the record of each departing prim, when this host first saw it taken by the
    /// host the prim moves to and the longest TTL it had (kept in `path` across observations), and
    /// the time of this observation.
    static func observe(_ observed: [ObservedResource], desired: DesiredHost, path: String) -> [ObservedResource] {
        let stored =
            (try? FileReader.bytes(path)).flatMap { $0 }.flatMap {
                try? PrimJSON.decode([String: Departure].self, from: $0)
            } ?? [:]
        var departures = stored.filter { desired.departing[$0.key] != nil }
        let now = Date().timeIntervalSince1970
        var result = observed
        for (prim, departure) in desired.departing {
            guard let index = result.firstIndex(where: { $0.address == aRecord(departure.name) }) else { continue }
            let marker = result[index].attributes[DNSRecordRenderer.markerAttribute]
            let ttl = Int(result[index].attributes[DNSRecordRenderer.ttlAttribute] ?? "") ?? 0
            var entry = departures[prim] ?? Departure(seen: nil, ttl: departure.ttl)
            entry.ttl = max(entry.ttl, ttl, departure.ttl)
            if DNSMarker.host(in: marker) == departure.host {
                entry.seen = entry.seen ?? now
            } else {
                entry.seen = nil
            }
            departures[prim] = entry
            if let seen = entry.seen { result[index].attributes[seenAttribute] = String(seen) }
            result[index].attributes[ttlAttribute] = String(entry.ttl)
            result[index].attributes[observedAtAttribute] = String(now)
        }
        if departures != stored, let bytes = try? PrimJSON.encode(departures) {
            try? AtomicFile.write(bytes, to: path, mode: 0o600)
        }
        return result
    }

    /// The departing prims this host must keep serving, and why. Only a prim this host runs (its
    /// unit, or a record of it this host owns) is held; it is held while the move cannot be seen
    /// through a provider that marks records, while its record at its name is still this host's or
    /// not yet the new host's, and for the TTL and the margin after that.
    static func holds(_ desired: DesiredHost, _ observed: ObservedState, unavailable: ResourceAddress) -> [BlockedPrim]
    {
        desired.departing.keys.sorted().compactMap { prim in
            let departure = desired.departing[prim]!
            let records = observed.of(.dnsRecord).filter { $0.owned && $0.prim == prim }
            guard observed.resources[ResourceNames.unit(prim)] != nil || !records.isEmpty else { return nil }
            func hold(_ why: String) -> BlockedPrim {
                BlockedPrim(
                    prim: prim, missingEnv: [],
                    message: "prim '\(prim)' is moving to \(departure.host): \(why); this host serves it meanwhile")
            }
            guard departure.zoneProvider == markingProvider, departure.hostProvider == markingProvider else {
                return hold(
                    "a move is coordinated through DNS records marked by their host, which only \(markingProvider) keeps (the zone's provider is \(departure.zoneProvider ?? "none"), this host's \(departure.hostProvider ?? "none")); remove it here by hand once \(departure.host) serves it"
                )
            }
            if observed.resources[unavailable] != nil {
                return hold("waiting for the DNS provider, which did not answer, to show who holds its record")
            }
            let address = aRecord(departure.name)
            if records.contains(where: { RRset.key(of: $0.address)?.name == departure.name }) {
                return hold(
                    "waiting for \(departure.host) to take its record \(departure.name) (it does once the prim passes its gate and is routed there)"
                )
            }
            guard let live = observed.resources[address],
                DNSMarker.host(in: live.attributes[DNSRecordRenderer.markerAttribute]) == departure.host,
                let first = live.attributes[seenAttribute].flatMap(Double.init),
                let now = live.attributes[observedAtAttribute].flatMap(Double.init)
            else {
                return hold("waiting for its record \(departure.name) to point at \(departure.host)")
            }
            let ttl = live.attributes[ttlAttribute].flatMap(Int.init) ?? departure.ttl
            let left = first + Double(ttl + margin) - now
            guard left > 0 else { return nil }
            return hold(
                "waiting for DNS, \(Int(left.rounded(.up))) s left (the record's TTL of \(ttl) s and \(margin) s since it points at \(departure.host))"
            )
        }
    }
}
