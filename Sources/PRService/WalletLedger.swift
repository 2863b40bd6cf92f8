import Foundation
import PrimModel

/// Per-wallet flood control: submissions in the last hour and day, and a cool-down after
/// consecutive red submissions. Pure: time is passed in; the store persists it.
public struct WalletLedger: Sendable, Codable, Equatable {
    public struct Account: Sendable, Codable, Equatable {
        /// Times of submissions that reached validation, newest last, at most a day old.
        public var submissions: [Date] = []
        public var redStreak = 0
        public var coolingUntil: Date?
    }

    public var accounts: [String: Account] = [:]

    public init() {}

    /// Seconds a cooled-down wallet waits after its last red submission.
    public static let cooldown: TimeInterval = 3600

    /// nil when `wallet` may submit now; otherwise the refusal, with Retry-After.
    public func refusal(for wallet: String, policy: Policy, now: Date) -> ServiceError? {
        guard let account = accounts[wallet] else { return nil }
        if let until = account.coolingUntil, until > now {
            return limited(
                "\(policy.cooldownAfterRed) PRs in a row from this wallet failed their checks; it is cooling down",
                until: until, now: now)
        }
        let hour = account.submissions.filter { $0 > now.addingTimeInterval(-3600) }
        if hour.count >= policy.perHour {
            return limited(
                "this wallet sent \(hour.count) changes in the last hour; the limit is \(policy.perHour)",
                until: hour[hour.count - policy.perHour].addingTimeInterval(3600), now: now)
        }
        let day = account.submissions.filter { $0 > now.addingTimeInterval(-86400) }
        if day.count >= policy.perDay {
            return limited(
                "this wallet sent \(day.count) changes in the last day; the limit is \(policy.perDay)",
                until: day[day.count - policy.perDay].addingTimeInterval(86400), now: now)
        }
        return nil
    }

    /// Records a submission that reached validation: green resets the red streak, red adds to it.
    public mutating func record(_ wallet: String, green: Bool, policy: Policy, now: Date) {
        var account = accounts[wallet] ?? Account()
        account.submissions = account.submissions.filter { $0 > now.addingTimeInterval(-86400) } + [now]
        if green {
            account.redStreak = 0
        } else {
            account.redStreak += 1
            if account.redStreak >= policy.cooldownAfterRed {
                account.coolingUntil = now.addingTimeInterval(Self.cooldown)
                account.redStreak = 0
            }
        }
        accounts[wallet] = account
    }

    func limited(_ message: String, until: Date, now: Date) -> ServiceError {
        let seconds = max(1, Int(until.timeIntervalSince(now).rounded(.up)))
        var error = ServiceError(.rateLimited, "\(message); retry in \(seconds) s", field: "X-Wallet")
        error.retryAfter = seconds
        return error
    }
}
