import DNSReconciler
import PrimEngine
import PrimStatus
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// primd's counters, rendered in Prometheus' text format.
public final class Metrics: @unchecked Sendable {
    private let lock = ThreadLock()
    static let buckets: [Double] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
    private var durationCounts = Array(repeating: 0, count: buckets.count + 1)
    private var durationSum = 0.0
    private var applies: [String: Int] = [:]
    private var drift: [String: Int] = [:]
    private var lastSuccess: Double = 0
    private var up: [String: Bool] = [:]
    private var routes: [String: [RouteResult]] = [:]
    private var certificates: [String: Date] = [:]

    public init() {}

    func observeReconcile(seconds: Double, outcome: ReconcileOutcome) {
        lock.lock(); defer { lock.unlock() }
        let index = Self.buckets.firstIndex { seconds <= $0 } ?? Self.buckets.count
        durationCounts[index] += 1
        durationSum += seconds
        applies[outcome.rawValue, default: 0] += 1
        if outcome == .converged { lastSuccess = Date().timeIntervalSince1970 }
    }

    func driftDetected(_ resource: String) {
        lock.lock(); defer { lock.unlock() }
        drift[resource, default: 0] += 1
    }

    func setUp(_ prims: [String: Bool]) {
        lock.lock(); defer { lock.unlock() }
        up = prims
    }

    func setCertificates(_ expiries: [String: Date]) {
        lock.lock(); defer { lock.unlock() }
        certificates = expiries
    }

    func setRoutes(_ prims: [String: [RouteResult]]) {
        lock.lock(); defer { lock.unlock() }
        routes = prims
    }

    public func render() -> String {
        lock.lock(); defer { lock.unlock() }
        var out = [
            "# HELP prim_reconcile_duration_seconds Time to reconcile one revision (fetch to gates).",
            "# TYPE prim_reconcile_duration_seconds histogram",
        ]
        var cumulative = 0
        for (index, bound) in Self.buckets.enumerated() {
            cumulative += durationCounts[index]
            out.append("prim_reconcile_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)")
        }
        cumulative += durationCounts[Self.buckets.count]
        out += [
            "prim_reconcile_duration_seconds_bucket{le=\"+Inf\"} \(cumulative)",
            "prim_reconcile_duration_seconds_sum \(durationSum)",
            "prim_reconcile_duration_seconds_count \(cumulative)",
            "# HELP prim_applies_total Reconcile attempts by outcome.",
            "# TYPE prim_applies_total counter",
        ]
        out += Self.samples("prim_applies_total", label: "outcome", applies)
        out += [
            "# HELP prim_drift_events_total Live resources found differing from the applied state.",
            "# TYPE prim_drift_events_total counter",
        ]
        out += Self.samples("prim_drift_events_total", label: "resource", drift)
        out += [
            "# HELP prim_last_success_timestamp_seconds When a revision last converged.",
            "# TYPE prim_last_success_timestamp_seconds gauge",
            "prim_last_success_timestamp_seconds \(lastSuccess)",
            "# HELP prim_up Whether a prim passed its last health gate.",
            "# TYPE prim_up gauge",
        ]
        out += Self.samples("prim_up", label: "prim", up.mapValues { $0 ? 1 : 0 })
        out += [
            "# HELP prim_route_conforms Whether a declared route answered as routes_map says at the last check (skipped routes are absent).",
            "# TYPE prim_route_conforms gauge",
        ]
        for (prim, results) in routes.sorted(by: { $0.key < $1.key }) {
            for result in results where result.outcome != .skipped {
                out.append(
                    "prim_route_conforms{prim=\"\(prim)\",route=\"\(Self.escaped(result.route))\"} \(result.outcome == .passed ? 1 : 0)"
                )
            }
        }
        out += [
            "# HELP prim_certificate_expiry_seconds Seconds until a certificate prim keeps for the host expires (negative: expired).",
            "# TYPE prim_certificate_expiry_seconds gauge",
        ]
        let now = Date()
        for (name, notAfter) in certificates.sorted(by: { $0.key < $1.key }) {
            out.append(
                "prim_certificate_expiry_seconds{certificate=\"\(Self.escaped(name))\"} \(Int(notAfter.timeIntervalSince(now)))"
            )
        }
        let paid = DNSPayments.snapshot
        out += [
            "# HELP prim_dns_payments_total x402 payments made to the DNS provider (domain.sh).",
            "# TYPE prim_dns_payments_total counter",
            "prim_dns_payments_total \(paid.count)",
            "# HELP prim_dns_paid_usdc_total What those payments paid, in USDC.",
            "# TYPE prim_dns_paid_usdc_total counter",
            "prim_dns_paid_usdc_total \(Double(paid.atomic) / 1_000_000)",
        ]
        return out.joined(separator: "\n") + "\n"
    }

    /// A label value as the text format wants it: backslash, quote and newline escaped.
    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// One sample line per label value, sorted: `name{label="value"} count`.
    static func samples(_ name: String, label: String, _ values: [String: Int]) -> [String] {
        values.sorted { $0.key < $1.key }.map { "\(name){\(label)=\"\($0.key)\"} \($0.value)" }
    }
}

/// How one reconcile ended, as `prim_applies_total` counts it (its `outcome` label).
enum ReconcileOutcome: String, Sendable {
    /// The commit was applied and every gate passed.
    case converged
    /// Applied, with a failed gate or a step that did not stop the apply (exit 4's kind).
    case degraded
    /// The reconcile stopped with an error that is not transient: primd reports itself stalled.
    case failed
    /// A transient error (the manager, Caddy, the network): retried with backoff.
    case error
    /// The commit's signature is missing or not allowed: nothing was applied.
    case unsigned
    /// The commit's state does not validate: nothing was applied.
    case invalid
    /// The branch was rewritten and not allowed: nothing was applied.
    case rewritten
    /// The operator suspended reconciling.
    case suspended
}
