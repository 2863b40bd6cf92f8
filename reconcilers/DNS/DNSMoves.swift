import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A prim moving between hosts, coordinated only through its DNS record. The host it moves to
/// starts and gates it, loads its route, then takes the record (marked `prim=<id>` by the other
/// host) and points it at itself. The host it leaves keeps serving it until it sees the record
/// marked with the new host's name and the record's TTL, plus a margin, has passed since; only
/// then are the prim's unit, route and files removed. Neither host deletes a record the other owns.
public enum DNSMoves {
    /// Seconds after the record's TTL that the host left still serves: a resolver that asked just
    /// before the switch still has the old address for up to the TTL.
    public static let margin = 5

    static let seenAttribute = "moved_seen"
    static let observedAtAttribute = "observed_at"

    /// Whether `live` is the record of a prim that moves to this host: marked by another host
    /// for the same prim, at a name this host now wants for it.
    static func movingHere(_ live: ObservedResource, wanted resource: DesiredResource, host: String) -> Bool {
        let marker = live.attributes[DNSRecordRenderer.markerAttribute]
        guard let prim = resource.prim, let other = DNSMarker.host(in: marker) else { return false }
        return other != host && DNSMarker.prim(in: marker) == prim && live.address == resource.address
    }

    /// Stamps, on the record of each departing prim that the host it moves to has taken, when this
    /// host first saw it so (kept in `path` across observations), and the time of this observation.
    static func observe(_ observed: [ObservedResource], desired: DesiredHost, path: String) -> [ObservedResource] {
        var seen: [String: Double] =
            (try? FileReader.bytes(path)).flatMap { $0 }.flatMap {
                try? PrimJSON.decode([String: Double].self, from: $0)
            }
            ?? [:]
        let before = seen
        let now = Date().timeIntervalSince1970
        var result = observed
        for (prim, departure) in desired.departing {
            let address = RRset(name: departure.name, type: "A", ttl: 0, contents: []).address
            guard let index = result.firstIndex(where: { $0.address == address }),
                DNSMarker.host(in: result[index].attributes[DNSRecordRenderer.markerAttribute]) == departure.host
            else {
                seen[prim] = nil
                continue
            }
            let first = seen[prim] ?? now
            seen[prim] = first
            result[index].attributes[seenAttribute] = String(first)
            result[index].attributes[observedAtAttribute] = String(now)
        }
        for prim in seen.keys where desired.departing[prim] == nil { seen[prim] = nil }
        if seen != before, let bytes = try? PrimJSON.encode(seen) {
            try? AtomicFile.write(bytes, to: path, mode: 0o600)
        }
        return result
    }

    /// The departing prims this host must keep serving, and why: its record is still this host's
    /// (the other host has not taken it: it is not up yet, or its gate has not passed), or it was
    /// taken less than its TTL and the margin ago.
    static func holds(_ desired: DesiredHost, _ observed: ObservedState) -> [BlockedPrim] {
        desired.departing.keys.sorted().compactMap { prim in
            let departure = desired.departing[prim]!
            let address = RRset(name: departure.name, type: "A", ttl: 0, contents: []).address
            guard let live = observed.resources[address] else { return nil }
            let marker = live.attributes[DNSRecordRenderer.markerAttribute]
            if live.owned, DNSMarker.prim(in: marker) == prim {
                return BlockedPrim(
                    prim: prim, missingEnv: [],
                    message:
                        "prim '\(prim)' is moving to \(departure.host): waiting for \(departure.host) to take its record \(departure.name) (it does once the prim passes its gate there); this host serves it meanwhile"
                )
            }
            guard DNSMarker.host(in: marker) == departure.host,
                let first = live.attributes[seenAttribute].flatMap(Double.init),
                let now = live.attributes[observedAtAttribute].flatMap(Double.init)
            else { return nil }
            let left = first + Double(departure.ttl + margin) - now
            guard left > 0 else { return nil }
            return BlockedPrim(
                prim: prim, missingEnv: [],
                message:
                    "prim '\(prim)' is moving to \(departure.host): waiting for DNS, \(Int(left.rounded(.up))) s left (the record's TTL of \(departure.ttl) s and \(margin) s since it points at \(departure.host)); this host serves it meanwhile"
            )
        }
    }
}
