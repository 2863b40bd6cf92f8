import Foundation
import PrimController
import PrimSystem
import XCTest

/// primd killed (SIGKILL: a crash loop, the watchdog or the OOM killer do the same) at each phase
/// of an apply, twice in a row, with drift repair every second: a commit the host finished applying
/// is never poisoned, and the host never loses the prims of the commit it converged to.
final class CrashWindowTests: XCTestCase {
    var testbed: Testbed!
    var repo: StateRepository!
    var primd: PrimdProcess?

    override func setUpWithError() throws {
        testbed = try Testbed.up()
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "crash-secret").status, 0)
        var files = ConvergedState.files()
        // A prim whose GET /slow takes 4 s: a re-check of it holds primd after the apply.
        files["prims/slowpoke.yaml"] = """
            id: slowpoke
            status: testing
            port: 3262
            deploy:
              command: /usr/bin/python3 packages/stub/server.py --name slowpoke.sh --slow "GET /slow=4"

            """
        repo = try StateRepository(files: files)
    }

    override func tearDown() {
        if let primd { Foundation.kill(primd.pid, SIGKILL); _ = Command.wait(primd.pid) }
        testbed?.down()
        repo = nil
    }

    func start() throws -> PrimdProcess {
        let process = try PrimdProcess(
            testbed: testbed, repo: "file://\(repo.bare)", extra: "  drift_interval: 1\n", poll: 1)
        primd = process
        process.waitFor("primd to answer") { process.status() != nil }
        return process
    }

    var attempt: [String: Any]? {
        FileManager.default.contents(atPath: "\(testbed.dataDir)/attempt.json").flatMap {
            try? JSONSerialization.jsonObject(with: $0) as? [String: Any]
        }
    }

    /// Kills primd with SIGKILL once its attempt record reads `phase` (written by this primd: after
    /// `deaths` earlier deaths on the revision).
    func kill(_ process: PrimdProcess, when phase: String, of revision: String, deaths: Int = 0) {
        process.waitFor("primd to be in phase \(phase)", timeout: 60) {
            attempt?["phase"] as? String == phase && attempt?["revision"] as? String == revision
                && attempt?["deaths"] as? Int == deaths
        }
        Foundation.kill(process.pid, SIGKILL)
        _ = Command.wait(process.pid)
        primd = nil
    }

    func testKillsAfterTheApplyNeverPoisonTheCommitAndKillsDuringItKeepTheLastConvergedOne() throws {
        let first = try start()
        first.waitFor("the first revision to be applied") { first.status()?["last_applied_revision"] as? String != nil }
        // Adds delta, and declares slowpoke's slow route: slowpoke is re-checked (4 s) after the apply, unrestarted.
        let converged = try repo.commit(
            [
                "prims/delta.yaml": "id: delta\nstatus: testing\nport: 3263\n",
                "prims/slowpoke.yaml": """
                id: slowpoke
                status: testing
                port: 3262
                routes_map:
                  - route: GET /slow
                deploy:
                  command: /usr/bin/python3 packages/stub/server.py --name slowpoke.sh --slow "GET /slow=4"

                """,
            ], message: "add delta; declare slowpoke's slow route")
        // Killed once the apply is done (its generation recorded, the attempt `applied`) while the
        // attempt is still open: the re-check of slowpoke holds it for 4 s. (Delta serving through
        // Caddy is not yet "done": the generation is recorded after Caddy's last load.)
        first.waitFor("the apply to be done and the attempt still open", timeout: 60) {
            attempt?["revision"] as? String == converged && attempt?["phase"] as? String == "applied"
        }
        XCTAssertTrue(testbed.viaCaddy("delta.prim.test").1.contains("delta.sh"), "an applied commit's prim serves")
        Foundation.kill(first.pid, SIGKILL)
        _ = Command.wait(first.pid)
        primd = nil
        // Killed again at once after its restart, before it does anything.
        let second = try start()
        Foundation.kill(second.pid, SIGKILL)
        _ = Command.wait(second.pid)
        let third = try start()
        third.waitForFetches(3, seeing: converged)
        XCTAssertEqual(third.status()?["last_applied_revision"] as? String, converged, "\(third.status() ?? [:])")
        XCTAssertNil(third.status()?["poisoned_revision"], "a commit the host holds is no poison")
        let drifts = third.status()?["drift_events"] as? [String: Any] ?? [:]
        XCTAssertEqual(
            try testbed.activeState("prim-delta.service"), "active", "drift repair kept the commit's prims: \(drifts)")
        XCTAssertEqual(testbed.viaCaddy("delta.prim.test").1, "{\"service\": \"delta.sh\", \"status\": \"ok\"}")

        // A commit whose gate primd dies in twice never finished: poisoned, and the host keeps the
        // commit it converged to (drift repairs towards it, never an older one).
        let unfinished = try repo.commit(
            [
                "prims/epsilon.yaml": """
                id: epsilon
                status: testing
                port: 3264
                deploy:
                  command: /bin/sh -c "sleep 6 && exec /usr/bin/python3 packages/stub/server.py --name epsilon.sh"
                  health: { path: /, status: 200, timeout: 30 }

                """
            ], message: "add epsilon, slow to start")
        kill(third, when: "applying", of: unfinished)
        let fourth = try start()
        kill(fourth, when: "applying", of: unfinished, deaths: 1)
        let fifth = try start()
        fifth.waitFor("the commit to be reported poison") {
            fifth.status()?["poisoned_revision"] as? String == unfinished
        }
        fifth.waitForFetches(3, seeing: unfinished)
        XCTAssertEqual(fifth.status()?["last_applied_revision"] as? String, converged)
        XCTAssertEqual(try testbed.activeState("prim-delta.service"), "active", "the converged commit's prims stay")
        XCTAssertEqual(try testbed.activeState("prim-slowpoke.service"), "active")
    }

    /// What a death leaves just before the journal begins, or just after it ends but before the
    /// commit is recorded applied: an attempt record (applying) and no journal. The commit is
    /// attempted again at start, and drift waits for it.
    func testADeathOnEitherSideOfTheJournalIsAttemptedAgainAtStart() throws {
        let first = try start()
        first.waitFor("the first revision to be applied") { first.status()?["last_applied_revision"] as? String != nil }
        XCTAssertEqual(first.stop(), 0)
        primd = nil
        let next = try repo.commit(
            ["prims/delta.yaml": "id: delta\nstatus: testing\nport: 3263\n"], message: "add delta")
        let file = "\(testbed.dataDir)/status.json"
        var record = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        record["last_attempted_revision"] = next
        try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: file))
        try AttemptRecord(revision: next, phase: .applying, started: Date()).save(dataDir: testbed.dataDir)
        let second = try start()
        second.waitFor("the commit to be applied after the restart", timeout: 60) {
            second.status()?["last_applied_revision"] as? String == next
        }
        second.waitForFetches(3, seeing: next)
        XCTAssertEqual(try testbed.activeState("prim-delta.service"), "active", "drift did not undo it")
    }

    /// A death while re-planning the revision the host already runs (a blocked prim retried,
    /// `--force`) does not poison it.
    func testADeathWhileReplanningTheLiveRevisionIsNoPoison() throws {
        let first = try start()
        first.waitFor("the first revision to be applied") { first.status()?["last_applied_revision"] as? String != nil }
        let live = try XCTUnwrap(first.status()?["last_applied_revision"] as? String)
        XCTAssertEqual(first.stop(), 0)
        primd = nil
        try AttemptRecord(revision: live, phase: .loading, started: Date()).save(dataDir: testbed.dataDir)
        let second = try start()
        second.waitForFetches(2, seeing: live)
        XCTAssertNil(second.status()?["poisoned_revision"], "\(second.status() ?? [:])")
        XCTAssertNotEqual(second.condition("Stalled")?["reason"] as? String, "AttemptCrashed")
    }
}
