import Foundation
import PRService
import PrimEngine
import PrimModel
import PrimStatus
import XCTest

/// The promotion check and the deployment states, from primd's status JSON as /status serves it
/// (read with primd's own decoder), with an injected clock.
final class PromotionAndDeploymentTests: XCTestCase {
    let merged = String(repeating: "a", count: 40)
    let later = String(repeating: "b", count: 40)
    let older = String(repeating: "c", count: 40)
    let since = Date(timeIntervalSince1970: 1_800_000_000)

    func status(_ json: String) throws -> ControllerStatus {
        try PrimJSON.decode(ControllerStatus.self, from: Array(json.utf8))
    }

    /// A prim's entry in primd's status, checked at `checked` (default: `since` plus ten minutes) at `revision` (default: the merge).
    func prim(
        _ name: String = "echo", up: Bool = true, release: String = "code1", passingSince: Date? = nil,
        checked: Date? = nil,
        revision: String? = nil, extra: String = ""
    ) -> String {
        let passing =
            (passingSince ?? (up ? since : nil)).map { "\"passing_since\": \"\($0.formatted(.iso8601))\"," } ?? ""
        let checkedAt = (checked ?? since.addingTimeInterval(600)).formatted(.iso8601)
        return """
            {"prim": "\(name)", "up": \(up), "message": "\(up ? "GET / → 200; 1 of 1 declared routes conform" : "1 of 1 declared routes do not conform: POST /v1/echo without payment answered 200, expected 402 with an x402 challenge: the route is paid in routes_map")",
             "enforced": false, "release": "\(release)", \(passing) \(extra) "checked_at": "\(checkedAt)", "revision": "\(revision ?? merged)",
             "routes": [{"route": "POST /v1/echo", "outcome": "\(up ? "passed" : "failed")", "status": \(up ? 402 : 200), "message": "POST /v1/echo without payment answered \(up ? "402 with a valid x402 challenge" : "200, expected 402 with an x402 challenge: the route is paid in routes_map")"}]}
            """
    }

    func report(_ prims: [String], blocked: String = "null", extra: String = "") throws -> Promotion.Report {
        .status(
            try status(
                """
                {"conditions": [], "prims": [\(prims.joined(separator: ","))], "blocked": \(blocked), "rolled_back": {}, "drift_events": {},
                 "updated": "\(since.formatted(.iso8601))" \(extra)}
                """))
    }

    func check(_ report: Promotion.Report, code: String? = "code1", minutes: Int = 10, after seconds: Double) -> Check?
    {
        Promotion.check(
            [.init(prim: "echo", code: code)], report: report, minutes: minutes, now: since.addingTimeInterval(seconds),
            base: merged)
    }

    // MARK: Promotion

    func testOnlyATestingToLivePRGetsTheCheck() {
        XCTAssertNil(Promotion.check([], report: .notConfigured, minutes: 10, now: since, base: merged))
    }

    func testPassingForTheMinimumTimeTurnsGreen() throws {
        let early = try XCTUnwrap(check(try report([prim()]), after: 9 * 60))
        XCTAssertEqual(early.status, .pending)
        XCTAssertTrue(early.summary.contains("has passed conformance for 9 of 10 minutes"), early.summary)
        let done = try XCTUnwrap(check(try report([prim()]), after: 10 * 60))
        XCTAssertEqual(done.status, .success, done.summary)
        XCTAssertEqual(done.name, .promotion)
        // The policy's minimum is what counts.
        XCTAssertEqual(check(try report([prim()]), minutes: 30, after: 10 * 60)?.status, .pending)
        XCTAssertEqual(check(try report([prim()]), minutes: 0, after: 0)?.status, .success)
    }

    /// Promotion is measured on primd's clock: pr.sh's clock 15 minutes ahead does not promote a
    /// prim that primd has seen pass for 20 s, and one behind does not hold back a prim that passed.
    func testPromotionIsMeasuredOnPrimdsClock() throws {
        let served = { (seconds: Double) in
            ", \"served_at\": \"\(self.since.addingTimeInterval(seconds).formatted(.iso8601))\""
        }
        let early = try report([prim(checked: since.addingTimeInterval(20))], extra: served(20))
        XCTAssertEqual(check(early, after: 15 * 60)?.status, .pending, "20 s on primd's clock is not 10 minutes")
        let done = try report([prim(checked: since.addingTimeInterval(11 * 60))], extra: served(11 * 60))
        XCTAssertEqual(check(done, after: -30 * 60)?.status, .success, "pr.sh's clock behind does not hold it back")
    }

    func testAFailingPrimIsRedWithTheRoute() throws {
        let red = try XCTUnwrap(check(try report([prim(up: false)]), after: 3600))
        XCTAssertEqual(red.status, .failure)
        XCTAssertTrue(
            red.summary.contains("echo fails its gate on the host: POST /v1/echo without payment answered 200"),
            red.summary)
    }

    func testOtherCodeThanTheOneThatPassedStaysPending() throws {
        let other = try XCTUnwrap(check(try report([prim(release: "code0")]), code: "code1", after: 3600))
        XCTAssertEqual(other.status, .pending)
        XCTAssertTrue(other.summary.contains("the host runs code0 and this PR makes code1 live"), other.summary)
    }

    func testNoReportIsPendingNeverGreen() throws {
        for report in [
            Promotion.Report.notConfigured, .unreachable("GET /status: no answer within 3 s"), try self.report([]),
        ] {
            let waiting = try XCTUnwrap(check(report, minutes: 0, after: 1e6))
            XCTAssertEqual(waiting.status, .pending, waiting.summary)
        }
        XCTAssertTrue(
            check(.unreachable("GET /status: no answer within 3 s"), after: 0)!.summary.contains(
                "primd's status cannot be read"))
    }

    /// An old passing record (primd stopped checking: the prim no longer runs, or primd is down) is not a pass.
    func testAStaleCheckIsPendingNotGreen() throws {
        let stale = try XCTUnwrap(check(try report([prim(checked: since)]), after: 31 * 60))
        XCTAssertEqual(stale.status, .pending, stale.summary)
        XCTAssertTrue(stale.summary.contains("primd has not checked it since"), stale.summary)
        XCTAssertEqual(
            check(try report([prim(checked: since.addingTimeInterval(30 * 60))]), after: 31 * 60)?.status, .success)
    }

    func testABlockedPrimIsRed() throws {
        let blocked = try report(
            [], blocked: #"[{"prim": "echo", "missing_env": ["ECHO_KEY"], "message": "env ECHO_KEY has no value"}]"#)
        XCTAssertEqual(check(blocked, after: 1e6)?.status, .failure)
    }

    // MARK: Deployment

    func derive(_ json: String, prims: [String] = ["echo"]) throws -> Deployment {
        let later = self.later, merged = self.merged
        return Deployment.derive(
            revision: merged, prims: prims, from: try status(json),
            covers: { $0 == merged || $0 == later }, at: since)
    }

    /// primd's status; `applied` (the last converged revision) is `live` unless given.
    func statusJSON(
        attempted: String?, live: String?, applied: String?? = nil, prims: [String] = [], blocked: String = "null",
        rolledBack: String = "{}",
        conditions: String = "[]", error: String? = nil
    ) -> String {
        let converged = applied ?? live
        return """
            {"last_attempted_revision": \(attempted.map { "\"\($0)\"" } ?? "null"), "live_revision": \(live.map { "\"\($0)\"" } ?? "null"),
             "last_applied_revision": \(converged.map { "\"\($0)\"" } ?? "null"),
             "last_attempt_error": \(error.map { "\"\($0)\"" } ?? "null"),
             "conditions": \(conditions), "prims": [\(prims.joined(separator: ","))], "blocked": \(blocked), "rolled_back": \(rolledBack),
             "drift_events": {}, "updated": "\(since.formatted(.iso8601))"}
            """
    }

    func testPendingUntilPrimdHasAppliedTheCommit() throws {
        let before = try derive(statusJSON(attempted: older, live: older, prims: [prim()]))
        XCTAssertEqual(before.state, .pending)
        XCTAssertTrue(before.message.contains("primd has not applied \(merged.prefix(12)) yet"), before.message)
        let applying = try derive(
            statusJSON(
                attempted: merged, live: older, prims: [prim()],
                conditions: """
                    [{"type": "Reconciling", "status": true, "reason": "Progressing", "message": "applying", "last_transition": "\(since.formatted(.iso8601))"}]
                    """))
        XCTAssertEqual(applying.state, .pending)
    }

    func testLiveWithItsGatesAndALaterCommitCounts() throws {
        for applied in [merged, later] {
            let live = try derive(
                statusJSON(attempted: applied, live: applied, prims: [prim(), prim("other", up: false)]))
            XCTAssertEqual(live.state, .live, live.message)
            XCTAssertEqual(live.appliedRevision, applied)
            XCTAssertEqual(live.prims.map(\.prim), ["echo"], "only the prims the PR touches")
            XCTAssertEqual(live.prims.first?.routes?.first?.outcome, .passed)
        }
    }

    func testRolledBackCarriesTheFailingJournal() throws {
        let failure = """
            "last_failure": {"message": "the new version failed its gate side by side", "journal": ["Traceback (most recent call last):", "SystemExit: 3"],
                             "routes": [], "at": "\(since.formatted(.iso8601))"},
            """
        let back = try derive(
            statusJSON(
                attempted: merged, live: merged, prims: [prim(release: "code0", extra: failure)],
                rolledBack: "{\"echo\": \"\(older)\"}"))
        XCTAssertEqual(back.state, .rolledBack, back.message)
        XCTAssertEqual(back.prims.first?.journal, ["Traceback (most recent call last):", "SystemExit: 3"])
        XCTAssertEqual(back.prims.first?.rolledBackTo, older)
        XCTAssertEqual(back.prims.first?.message, "the new version failed its gate side by side")
    }

    func testBlockedNamesTheKey() throws {
        let blocked = try derive(
            statusJSON(
                attempted: merged, live: merged,
                blocked: """
                    [{"prim": "echo", "missing_env": ["ECHO_KEY"], "message": "prim 'echo' is not deployed: env ECHO_KEY has no value"}]
                    """))
        XCTAssertEqual(blocked.state, .blocked)
        XCTAssertEqual(blocked.missingKeys, ["ECHO_KEY"])
        XCTAssertTrue(blocked.message.contains("ECHO_KEY"), blocked.message)
        XCTAssertFalse(blocked.state.isFinal, "a blocked prim deploys once its key is set: it is followed on")
    }

    func testFailedWhenTheCommitDidNotApplyOrATestingPrimFails() throws {
        let invalid = try derive(
            statusJSON(attempted: merged, live: older, error: "prims/echo.yaml:3:7: error: bad port"))
        XCTAssertEqual(invalid.state, .failed)
        XCTAssertTrue(invalid.message.contains("bad port"), invalid.message)
        let down = try derive(statusJSON(attempted: merged, live: merged, prims: [prim(up: false)]))
        XCTAssertEqual(down.state, .failed)
        XCTAssertEqual(down.prims.first?.routes?.first?.outcome, .failed)
    }

    /// Applied with errors no gate of the PR's prims records (a unit the manager would not start,
    /// a route not written): the deployment failed, with primd's reason.
    func testADegradedApplyIsFailedEvenWhenTheTouchedPrimsAnswer() throws {
        let degraded = try derive(
            statusJSON(
                attempted: merged, live: merged, applied: .some(older), prims: [prim()],
                error: "prim-echo.service: start failed: Unit prim-echo.service has a bad unit file setting"))
        XCTAssertEqual(degraded.state, .failed, degraded.message)
        XCTAssertTrue(
            degraded.message.contains("applied with errors: prim-echo.service: start failed"), degraded.message)
        XCTAssertTrue(degraded.state.isFinal)
    }

    /// A change that restarts nothing (routes, prices) leaves the prim's last answer from before
    /// the merge: that answer is not the deployment's.
    func testAnAnswerFromBeforeTheMergeIsPendingNotLive() throws {
        let stale = try derive(statusJSON(attempted: merged, live: merged, prims: [prim(revision: older)]))
        XCTAssertEqual(stale.state, .pending, stale.message)
        XCTAssertTrue(stale.message.contains("primd has not checked echo at it yet"), stale.message)
        let rechecked = try derive(statusJSON(attempted: later, live: later, prims: [prim(revision: later)]))
        XCTAssertEqual(
            rechecked.state, .live, "a check at a later commit holding the merge counts: \(rechecked.message)")
    }

    /// A PR that changes code shared by several prims: every prim the attempt rolled back counts,
    /// whatever the PR was thought to touch.
    func testEveryRolledBackPrimCountsNotOnlyTheTouchedOnes() throws {
        let back = try derive(
            statusJSON(
                attempted: merged, live: merged, applied: .some(older), prims: [prim("alpha", up: true)],
                rolledBack: "{\"alpha\": \"\(older)\"}"), prims: ["stub"])
        XCTAssertEqual(back.state, .rolledBack, back.message)
        XCTAssertEqual(back.prims.map(\.prim), ["alpha"])
    }
}

/// How primd's record of a prim's checks grows `passing_since`: what promotion waits on.
final class PassingSinceTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func gate(_ passed: Bool, release: String = "code1") -> GateResult {
        var result = GateResult(
            prim: "echo", passed: passed, enforced: false, message: passed ? "ok" : "POST /v1/e failed", seconds: 0.1,
            routes: [], release: release)
        if !passed { result.journal = ["boom"] }
        return result
    }

    func testPassingSinceCarriesWhileTheSameCodePassesAndResetsOnAFailureOrNewCode() {
        typealias Health = ControllerStatus.PrimHealth
        let first = Health.checked(gate(true), previous: nil, rolledBackTo: nil, revision: "r1", at: t0)
        XCTAssertEqual(first.passingSince, t0)
        let later = Health.checked(gate(true), previous: first, rolledBackTo: nil, revision: "r1", at: t0 + 600)
        XCTAssertEqual(later.passingSince, t0, "the same code kept passing")
        XCTAssertEqual(later.checkedAt, t0 + 600)
        let failed = Health.checked(gate(false), previous: later, rolledBackTo: nil, revision: "r1", at: t0 + 660)
        XCTAssertNil(failed.passingSince)
        XCTAssertEqual(failed.journal, ["boom"])
        XCTAssertEqual(failed.lastFailure?.message, "POST /v1/e failed")
        let again = Health.checked(gate(true), previous: failed, rolledBackTo: nil, revision: "r1", at: t0 + 720)
        XCTAssertEqual(again.passingSince, t0 + 720, "a failure starts the clock again")
        XCTAssertNil(again.journal)
        XCTAssertEqual(again.lastFailure?.journal, ["boom"], "the last failure is kept for a rollback's reason")
        let newCode = Health.checked(
            gate(true, release: "code2"), previous: again, rolledBackTo: nil, revision: "r2", at: t0 + 780)
        XCTAssertEqual(newCode.passingSince, t0 + 780, "new code starts the clock again")
    }
}

/// A fleet's deployment: live only when every host running the PR's prims is, the others named.
final class FleetDeploymentTests: XCTestCase {
    func testLiveOnlyWhenEveryHostIsAndTheOthersAreNamed() {
        let time = Date(timeIntervalSince1970: 0)
        func host(_ state: Deployment.State, _ message: String) -> Deployment {
            Deployment(state: state, revision: "abc", appliedRevision: "abc", message: message, updatedAt: time)
        }
        let live = Deployment.combine(
            [("h1", host(.live, "applied")), ("h2", host(.live, "applied"))], revision: "abc", at: time)
        XCTAssertEqual(live.state, .live)
        XCTAssertEqual(live.message, "live on every host running its prims (h1, h2)")
        let waiting = Deployment.combine(
            [("h1", host(.live, "applied")), ("h2", host(.pending, "primd has not applied abc yet"))], revision: "abc",
            at: time)
        XCTAssertEqual(waiting.state, .pending)
        XCTAssertEqual(waiting.message, "on h2: primd has not applied abc yet; live on h1")
        let failed = Deployment.combine(
            [("h1", host(.failed, "x failed the gate")), ("h2", host(.pending, "not yet"))], revision: "abc", at: time)
        XCTAssertEqual(failed.state, .failed)
        XCTAssertEqual(failed.message, "on h1: x failed the gate; on h2: not yet")
    }
}
