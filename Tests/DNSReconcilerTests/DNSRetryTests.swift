import DNSReconciler
import PrimSystem
import XCTest

/// Backoff on 429/5xx and timeouts: bounded, jittered, `Retry-After` honoured, never hot.
/// The provider here is a scripted sequence of answers (no real DNS API answers 429 on demand).
final class DNSRetryTests: XCTestCase {
    final class Script: @unchecked Sendable {
        var answers: [Result<HTTPResponse, SystemError>]
        var calls = 0
        var waits: [Double] = []
        init(_ answers: [Result<HTTPResponse, SystemError>]) { self.answers = answers }
        func next() throws -> HTTPResponse {
            calls += 1
            return try answers.removeFirst().get()
        }
    }

    func response(_ status: Int, retryAfter: String? = nil) -> Result<HTTPResponse, SystemError> {
        .success(HTTPResponse(status: status, body: [], headers: retryAfter.map { ["retry-after": $0] } ?? [:]))
    }

    func retry(_ script: Script) -> DNSRetry {
        var retry = DNSRetry()
        retry.sleep = { script.waits.append($0) }
        return retry
    }

    func testRetryAfterIsHonouredAndSuccessEndsTheTries() throws {
        let script = Script([response(429, retryAfter: "2"), response(503), response(204)])
        let answer = try retry(script).run("PATCH") { try script.next() }
        XCTAssertEqual(answer.status, 204)
        XCTAssertEqual(script.calls, 3)
        XCTAssertEqual(script.waits.first, 2, "Retry-After: 2")
        XCTAssertEqual(script.waits.count, 2)
        XCTAssertTrue(
            (0.25...0.5).contains(script.waits[1]), "second wait is jittered within [base, 2·base]: \(script.waits[1])")
    }

    func testTimeoutsBackOffExponentiallyAndGiveUpAsTransient() {
        let script = Script(Array(repeating: .failure(SystemError("timed out", class: .transient)), count: 5))
        XCTAssertThrowsError(try retry(script).run("GET zone") { try script.next() }) { error in
            XCTAssertEqual((error as? SystemError)?.errorClass, .transient, "primd retries the commit later")
            XCTAssertTrue("\(error)".contains("failed 5 times"), "\(error)")
        }
        XCTAssertEqual(script.calls, 5)
        XCTAssertEqual(script.waits.count, 4)
        for (index, wait) in script.waits.enumerated() {
            let ceiling = min(8, 0.25 * pow(2, Double(index)))
            XCTAssertTrue(
                (ceiling / 2...ceiling).contains(wait), "wait \(index) is \(wait), not in [\(ceiling / 2), \(ceiling)]")
        }
    }

    func testNoTryStartsOnceTheBudgetIsSpentTimeoutsIncluded() {
        let script = Script(Array(repeating: .failure(SystemError("timed out", class: .transient)), count: 5))
        final class Clock: @unchecked Sendable { var now = 0.0 }
        let clock = Clock()
        var retry = retry(script)
        retry.now = { clock.now }
        XCTAssertThrowsError(
            try retry.run("GET zone") {
                clock.now += 12  // each try times out after 12 s
                return try script.next()
            }
        ) { error in
            XCTAssertTrue("\(error)".contains("failed 2 times in 24"), "\(error)")
        }
        XCTAssertEqual(script.calls, 2, "15 s budget: a third try would start after 24 s")
    }

    func testALongRetryAfterStopsAtOnceAndAnAnswerThatIsNotRetryableIsReturned() throws {
        let long = Script([response(429, retryAfter: "3600")])
        XCTAssertThrowsError(try retry(long).run("PATCH") { try long.next() })
        XCTAssertEqual(long.waits, [], "never waits an hour inside an apply")
        let rejected = Script([response(422)])
        XCTAssertEqual(try retry(rejected).run("PATCH") { try rejected.next() }.status, 422)
        XCTAssertEqual(rejected.calls, 1, "a rejection is not retried")
    }
}
