import Foundation
import PRService
import PrimModel
import XCTest

final class WalletLedgerTests: XCTestCase {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func testHourlyAndDailyLimitsNameTheWaitUntilTheOldestSubmissionAges() {
        var policy = Policy()
        policy.perHour = 2
        policy.perDay = 3
        var ledger = WalletLedger()
        ledger.record("w", green: true, policy: policy, now: start)
        ledger.record("w", green: true, policy: policy, now: start.addingTimeInterval(600))
        let hourly = ledger.refusal(for: "w", policy: policy, now: start.addingTimeInterval(1200))
        XCTAssertEqual(hourly?.code, .rateLimited)
        XCTAssertEqual(hourly?.retryAfter, 2400, "the first submission leaves the hour 40 minutes later")
        XCTAssertNil(ledger.refusal(for: "other", policy: policy, now: start), "limits are per wallet")
        XCTAssertNil(ledger.refusal(for: "w", policy: policy, now: start.addingTimeInterval(3601)))
        ledger.record("w", green: true, policy: policy, now: start.addingTimeInterval(7200))
        let daily = ledger.refusal(for: "w", policy: policy, now: start.addingTimeInterval(7300))
        XCTAssertEqual(daily?.retryAfter, 86400 - 7300)
        XCTAssertTrue(daily?.message.contains("last day") ?? false)
        XCTAssertNil(ledger.refusal(for: "w", policy: policy, now: start.addingTimeInterval(86401 + 600)))
    }

    func testConsecutiveRedSubmissionsCoolAWalletDownAndGreenResetsTheStreak() {
        var policy = Policy()
        policy.cooldownAfterRed = 3
        var ledger = WalletLedger()
        ledger.record("w", green: false, policy: policy, now: start)
        ledger.record("w", green: false, policy: policy, now: start)
        ledger.record("w", green: true, policy: policy, now: start)
        ledger.record("w", green: false, policy: policy, now: start)
        XCTAssertNil(ledger.refusal(for: "w", policy: policy, now: start), "green broke the streak")
        ledger.record("w", green: false, policy: policy, now: start)
        ledger.record("w", green: false, policy: policy, now: start)
        let refusal = ledger.refusal(for: "w", policy: policy, now: start.addingTimeInterval(60))
        XCTAssertEqual(refusal?.retryAfter, Int(WalletLedger.cooldown) - 60)
        XCTAssertNil(ledger.refusal(for: "w", policy: policy, now: start.addingTimeInterval(WalletLedger.cooldown + 1)))
    }
}
