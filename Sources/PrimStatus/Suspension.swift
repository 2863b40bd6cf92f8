#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An operator's "hands off" (Flux's `suspend`): while `<data dir>/suspended` exists, primd applies
/// no commit and repairs no drift; it still fetches, checks its prims' health and reports. Written
/// by `primctl suspend`, removed by `primctl resume`.
public struct Suspension: Codable, Sendable, Equatable {
    public var since: Date
    public var reason: String?

    public init(since: Date = Date(), reason: String?) {
        self.since = since
        self.reason = reason
    }

    /// What the status says of it.
    public var summary: String {
        "suspended since \(since.formatted(.iso8601))\(reason.map { ": \($0)" } ?? ""); `primctl resume` hands the host back to primd"
    }
}
