import PrimEngine
import PrimModel
import PrimPlan

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The pure half of the certificates' kind: each desired certificate against what the store holds
/// (observed as attributes, with the time of the observation), as issue, renew or nothing.
enum CertificatePlanning {
    // Desired.
    static let namesAttribute = "names"
    static let directoryAttribute = "directory"
    static let renewBeforeAttribute = "renew_before"
    static func zoneAttribute(_ name: String) -> String { "zone " + name }
    // Observed.
    static let notAfterAttribute = "not_after"
    static let notBeforeAttribute = "not_before"
    static let issuerAttribute = "issuer"
    static let observedAtAttribute = "observed_at"
    static let missingAttribute = "missing"
    static let unreadableAttribute = "unreadable"
    static let retryAfterAttribute = "retry_after"
    static let lastErrorAttribute = "last_error"
    static let failuresAttribute = "failures"

    /// The change `desired` needs against what the store holds; none while a due order waits out
    /// the backoff after a failure (the plan's note says so, `CertificateReconciler.notes`).
    static func decide(_ desired: DesiredResource, _ live: ObservedResource?) -> Change {
        let names = desired.attributes[namesAttribute]?.split(separator: ",").map(String.init) ?? []
        let directory = desired.attributes[directoryAttribute] ?? ""
        func change(_ action: Action, _ verb: String?, _ reason: Reason?) -> Change {
            var change = Change(
                address: desired.address, prim: nil, path: desired.path, action: action, reason: reason,
                before: live?.content, after: desired.content)
            change.verb = verb
            return change
        }
        let attributes = live?.attributes ?? [:]
        let now = attributes[observedAtAttribute].flatMap(Double.init) ?? 0
        var due: (Action, String, Reason)?
        if live == nil || attributes[missingAttribute] != nil {
            due = (
                .create, "issued",
                Reason("issue", "not issued yet; ACME at \(directory) for \(names.joined(separator: ", "))")
            )
        } else if let problem = attributes[unreadableAttribute] {
            due = (.update, "issued", Reason("unreadable", "the stored certificate cannot be read (\(problem))"))
        } else if Set(live?.keys ?? []) != Set(names) {
            due = (
                .update, "issued",
                Reason(
                    "names-changed",
                    "it holds \((live?.keys ?? []).joined(separator: ", ")); wanted \(names.joined(separator: ", "))")
            )
        } else if let issuedBy = attributes[directoryAttribute], issuedBy != directory {
            due = (.update, "issued", Reason("ca-changed", "issued by \(issuedBy); tls.acme is now \(directory)"))
        } else if let notAfter = attributes[notAfterAttribute].flatMap(Double.init) {
            let notBefore = attributes[notBeforeAttribute].flatMap(Double.init) ?? notAfter
            let threshold =
                desired.attributes[renewBeforeAttribute].flatMap(Double.init) ?? (notAfter - notBefore) / 3
            let left = notAfter - now
            if left < threshold {
                due = (
                    .update, "renewed",
                    Reason("renew", left > 0 ? "expires in \(Self.span(left))" : "expired \(Self.span(-left)) ago")
                )
            }
        }
        guard let (action, verb, reason) = due else { return change(.noop, nil, nil) }
        if let retry = attributes[retryAfterAttribute].flatMap(Double.init), retry > now {
            return change(.noop, nil, nil)
        }
        return change(action, verb, reason)
    }

    /// `12 days`, `5 h`, `40 min`, `30 s`.
    static func span(_ seconds: Double) -> String {
        switch seconds {
        case (2 * 86_400.0)...: return "\(Int(seconds / 86_400)) days"
        case 3_600.0...: return "\(Int(seconds / 3_600)) h"
        case 60.0...: return "\(Int(seconds / 60)) min"
        default: return "\(Int(max(seconds, 0))) s"
        }
    }
}
