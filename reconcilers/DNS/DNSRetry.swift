import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Retries a provider call that failed for a reason that passes (no connection, a timeout, 429,
/// 5xx): exponential backoff with full jitter, `Retry-After` honoured, a bounded number of tries
/// and a bounded total wait. It never loops hot; when it gives up, the error is transient, so
/// primd retries the commit later with its own backoff.
public struct DNSRetry: Sendable {
    public var attempts = 5
    public var base = 0.25
    public var cap = 8.0
    /// The longest a `Retry-After` is waited for; longer ones end the tries at once.
    public var longestWait = 30.0
    /// No try starts once this many seconds have passed since the first (timeouts included).
    public var budget = 15.0
    public var now: @Sendable () -> Double = { Date().timeIntervalSince1970 }
    public var sleep: @Sendable (Double) -> Void = { usleep(useconds_t($0 * 1_000_000)) }

    public init() {}

    static func retryable(_ status: Int) -> Bool { status == 429 || (500...599).contains(status) }

    /// Seconds to wait before try `n` (1-based) after a failure, `Retry-After` first.
    func delay(after attempt: Int, retryAfter: String?) -> Double? {
        if let retryAfter, let seconds = Double(retryAfter.trimmed) {
            return seconds <= longestWait ? max(seconds, 0) : nil
        }
        let ceiling = min(cap, base * pow(2, Double(attempt - 1)))
        return Double.random(in: ceiling / 2...ceiling)
    }

    public func run(_ what: String, _ call: () throws -> HTTPResponse) throws -> HTTPResponse {
        let started = now()
        var last = ""
        var tries = 0
        for attempt in 1...attempts {
            tries = attempt
            var retryAfter: String?
            do {
                let response = try call()
                guard Self.retryable(response.status) else { return response }
                last = "HTTP \(response.status)"
                retryAfter = response.headers["retry-after"]
                if attempt == attempts { return response }
            } catch let error as SystemError where error.errorClass == .transient {
                last = error.message
                if attempt == attempts { break }
            }
            guard let wait = delay(after: attempt, retryAfter: retryAfter) else {
                throw SystemError(
                    "\(what): \(last), and the provider asks to wait \(retryAfter ?? "?") s; trying again later",
                    class: .transient)
            }
            guard now() - started + wait < budget else { break }
            sleep(wait)
        }
        let elapsed = ((now() - started) * 10).rounded() / 10
        throw SystemError(
            "\(what) failed \(tries) time\(tries == 1 ? "" : "s") in \(elapsed) s (last: \(last)); trying again later",
            class: .transient)
    }
}
