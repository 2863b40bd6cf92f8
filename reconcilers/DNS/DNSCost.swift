import PrimModel
import PrimPlan

/// What an apply pays a paid DNS provider (domain.sh), estimated from the plan: one list of each
/// changed zone (a page a hundred records, and the empty page a full one costs) and one batch per
/// 200 operations. What is really paid is what each 402 asks, capped by `dns.max_spend`.
public enum DNSCost {
    /// Observed when the provider charges: its list and batch prices, and each zone's record count.
    static let pricing = ResourceAddress(.dnsPricing, "(pricing)")

    public struct Estimate: Sendable, Equatable {
        public var atomic: UInt64
        public var lists: Int
        public var batches: Int
    }

    /// `records`: each zone's live record count (rrsets' records).
    public static func estimate(
        _ changes: [Change], records: [String: Int], listPrice: UInt64, batchPrice: UInt64
    ) -> Estimate? {
        let pending = changes.filter { $0.action != .noop }
        guard !pending.isEmpty else { return nil }
        var lists = 0, batches = 0
        for (zone, group) in Dictionary(grouping: pending, by: \.path) {
            lists += (records[zone] ?? 0) / DomainSh.pageSize + 1
            // A changed rrset is its old records deleted and its new ones created.
            let operations = group.reduce(0) { total, change in
                let deletes = change.action == .create ? 0 : max(1, change.before?.split(separator: "\n").count ?? 0)
                let creates = change.action == .delete ? 0 : max(1, change.after?.split(separator: "\n").count ?? 0)
                return total + deletes + creates
            }
            batches += (operations + DomainSh.maxOperations - 1) / DomainSh.maxOperations
        }
        return Estimate(
            atomic: UInt64(lists) * listPrice + UInt64(batches) * batchPrice, lists: lists, batches: batches)
    }

    static func describe(_ estimate: Estimate) -> String {
        "this apply pays about \(USDC.dollars(estimate.atomic)) to domain.sh (\(estimate.lists) list page\(estimate.lists == 1 ? "" : "s"), \(estimate.batches) batch\(estimate.batches == 1 ? "" : "es"))"
    }
}

extension ResourceKind {
    /// A paid provider's prices and zone sizes: observed, never planned.
    static let dnsPricing = ResourceKind("dns_pricing")
    /// An rrset a provider may hold without listing it (held; see UnconfirmedRecords).
    static let dnsUnconfirmed = ResourceKind("dns_unconfirmed")
}
