import PrimEngine
import PrimPlan

/// octoDNS's guard, for small zones too: an apply may delete at most max(3, 30 %) of a zone's
/// prim-owned records, and never all of them, unless told so (`--allow-dns-deletes`,
/// primd's `dns.allow_deletes`).
public enum DNSDeleteGuard {
    public static let minimum = 3
    public static let fraction = 0.3

    /// `changes`: every DNS change of a plan, no-ops included (they are the records that stay).
    public static func refusal(_ changes: [Change]) -> Refusal? {
        for (zone, group) in Dictionary(grouping: changes, by: \.path).sorted(by: { $0.key < $1.key }) {
            let owned = group.filter { $0.action != .create && !$0.adopts }
            let deleted = owned.filter { $0.action == .delete }.map(\.address.name).sorted()
            guard !deleted.isEmpty else { continue }
            let limit = max(minimum, Int(Double(owned.count) * fraction))
            // "All of them": the zone would be left with none of prim's records (a rename is not that).
            let emptied = deleted.count == owned.count && !group.contains { $0.action == .create }
            guard deleted.count > limit || emptied else { continue }
            let why =
                emptied
                ? "all \(owned.count) of the records prim manages in zone \(zone)"
                : "\(deleted.count) of the \(owned.count) records prim manages in zone \(zone), more than the \(limit) an apply may delete on its own"
            return Refusal(
                code: "dns-deletes",
                "this would delete \(why) (\(deleted.joined(separator: ", "))); if that is meant, apply with --allow-dns-deletes (primd: dns.allow_deletes: true in the host config)"
            )
        }
        return nil
    }
}
