import Foundation
import PrimController
import PrimSigning
import PrimSystem
import XCTest

/// primd against a testbed and a git repository: commits go live with no other action.
final class PrimdTests: PrimdTestCase {
    /// Starts primd; it polls every second unless a test relies on the webhook.
    func start(_ extra: String = "", secret: String? = nil, url: String? = nil, poll: Int = 1) throws -> PrimdProcess {
        let process = try PrimdProcess(
            testbed: testbed, repo: url ?? "file://\(repo.bare)", extra: extra, secret: secret, poll: poll)
        primd = process
        process.waitFor("the first revision to be applied") {
            process.status()?["last_applied_revision"] as? String != nil
        }
        return process
    }

    func gamma(port: Int = 3206, command: String? = nil) -> String {
        var text = "id: gamma\nname: gamma.sh\nstatus: live\nport: \(port)\ndeploy:\n"
        text += "  command: \(command ?? "/usr/bin/python3 packages/stub/server.py --name gamma.sh")\n"
        text += "  health: { timeout: 3 }\n"
        return text
    }

    func testCommitGoesLiveViaWebhookAndPoll() throws {
        let primd = try start(secret: "hook-secret", poll: 600)
        XCTAssertEqual(primd.get("/healthz")?.text, "ok\n")
        XCTAssertEqual(testbed.viaCaddy("alpha.prim.test").0, 200)

        // Webhook: a commit adding a prim answers through Caddy without any other action.
        try repo.commit(["prims/gamma.yaml": gamma()], message: "add gamma")
        let body = Array("{\"ref\":\"refs/heads/main\"}".utf8)
        let started = Date()
        let bad = try HTTPClient.request(
            "POST", primd.url + "/hooks/git", headers: ["X-Hub-Signature-256": "sha256=00"], body: body)
        XCTAssertEqual(bad.status, 401)
        let signature = WebhookSignature.sign(body, secret: Array("hook-secret".utf8))
        let accepted = try HTTPClient.request(
            "POST", primd.url + "/hooks/git", headers: ["X-Hub-Signature-256": signature], body: body)
        XCTAssertEqual(accepted.status, 202)
        primd.waitFor("gamma to answer through Caddy") { testbed.viaCaddy("gamma.prim.test").1.contains("gamma.sh") }
        print(
            "commit-to-live via webhook: \(String(format: "%.2f", Date().timeIntervalSince(started))) s (includes the service's own start)"
        )

        // Caddy routes to gamma before the apply has settled and counted it: wait for the count.
        primd.waitFor("the apply to be counted") {
            (primd.get("/metrics")?.text ?? "").contains("prim_applies_total{outcome=\"converged\"} 2")
        }
        let metrics = primd.get("/metrics")?.text ?? ""
        XCTAssertTrue(metrics.contains("prim_applies_total{outcome=\"converged\"} 2"), metrics)
        XCTAssertTrue(metrics.contains("prim_up{prim=\"gamma\"} 1"), metrics)
        XCTAssertEqual(primd.stop(), 0, "SIGTERM stops primd cleanly")
        self.primd = nil
    }

    /// primd says at its start when the kernel would reset the connections queued on Caddy's old
    /// socket at each config load (the package's sysctl did not take), and says nothing otherwise.
    func testPrimdWarnsWhenCaddysLoadsWouldResetConnectionsInFlight() throws {
        let setting = ListenerMigration.setting
        guard let before = FileReader.stream(setting) else { throw XCTSkip("this kernel has no \(setting)") }
        // A file of /proc/sys is written in place (no temporary file, no rename).
        func set(_ value: [UInt8]) throws {
            let handle = try XCTUnwrap(FileHandle(forWritingAtPath: setting))
            try handle.write(contentsOf: Data(value))
            try handle.close()
        }
        defer { XCTAssertNoThrow(try set(before), "the setting is as it was") }
        for value in ["0", "1"] {
            try set(Array(value.utf8))
            XCTAssertEqual(FileReader.stream(setting), Array("\(value)\n".utf8))
            let primd = try start()
            let said = primd.stderr.contains("net.ipv4.tcp_migrate_req is 0: each Caddy config load resets")
            XCTAssertEqual(said, value == "0", "at \(value): \(primd.stderr)")
            XCTAssertEqual(primd.stop(), 0)
            self.primd = nil
        }
    }

    func testInvalidHeadStallsAndTheNextGoodCommitRecovers() throws {
        let primd = try start()
        let good = primd.status()?["last_applied_revision"] as? String
        let files = testbed.liveFiles()
        let bad = try repo.commit(
            ["prims/beta.yaml": "id: beta\nstatus: testing\nport: [3202\n"], message: "broken yaml")
        primd.waitForAttemptToEnd(bad, "the invalid commit", timeout: 40)
        let stalled = primd.condition("Stalled")
        XCTAssertEqual(stalled?["status"] as? Bool, true)
        XCTAssertEqual(stalled?["reason"] as? String, "InvalidState")
        XCTAssertTrue(
            (stalled?["message"] as? String ?? "").contains("state/prims/beta.yaml:3:7: error: invalid YAML"),
            "\(stalled ?? [:])")
        XCTAssertEqual(primd.status()?["last_applied_revision"] as? String, good, "the good revision still serves")
        XCTAssertEqual(testbed.liveFiles(), files, "nothing changed")
        let fixed = try repo.commit(
            ["prims/beta.yaml": ConvergedState.files(betaPort: 3207)["prims/beta.yaml"]!], message: "fix beta")
        primd.waitFor("the fixed commit to be applied", timeout: 40) {
            primd.status()?["last_applied_revision"] as? String == fixed
        }
        XCTAssertEqual(primd.condition("Ready")?["status"] as? Bool, true)
        XCTAssertEqual(testbed.viaCaddy("beta.prim.test").0, 200)
    }

    func testSmartHTTPRepositoryWithATokenFromAFile() throws {
        // git's own http-backend behind Basic auth; the token is the password.
        let root = (repo.bare as NSString).deletingLastPathComponent
        let port = try freePort()
        let tokenFile = "\(testbed.directory)/git-token"
        try "wrong-token".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let serverToken = "\(testbed.directory)/server-token"
        try "right-token".write(toFile: serverToken, atomically: true, encoding: .utf8)
        let server = Command.spawn(
            Paths.repo("scripts/git-http-server"), ["\(port)", root, serverToken], stdout: "/dev/null",
            stderr: "/dev/null")
        defer { kill(server, SIGTERM); _ = Command.wait(server) }
        let url = "http://127.0.0.1:\(port)/\((repo.bare as NSString).lastPathComponent)"
        let deadline = Date().addingTimeInterval(10)
        while (try? HTTPClient.request("GET", url + "/info/refs?service=git-upload-pack", timeout: 1))?.status != 401
            && Date() < deadline
        { usleep(50_000) }

        // A rotated token is read on the next fetch: no restart.
        try assertFetchRefusedUntilFixed(url: url, extra: "  token_file: \(tokenFile)\n", refusal: "refused the token")
        {
            try "right-token".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        }
    }

    /// primd on `url` reports `refusal` (Reconciling, FetchFailed) and applies nothing; once `fix`
    /// has run, the next fetch succeeds and the head is applied, with no restart.
    func assertFetchRefusedUntilFixed(url: String, extra: String, refusal: String, fix: () throws -> Void) throws {
        let primd = try PrimdProcess(testbed: testbed, repo: url, extra: extra)
        self.primd = primd
        primd.waitFor("the fetch to be refused with '\(refusal)'") {
            (primd.condition("Reconciling")?["message"] as? String ?? "").contains(refusal)
        }
        XCTAssertEqual(primd.condition("Reconciling")?["reason"] as? String, "FetchFailed")
        XCTAssertNil(primd.status()?["last_applied_revision"] as? String, "nothing applied")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(testbed.unitDir)/prim-alpha@.service"))
        try fix()
        primd.waitFor("the fetched revision to be applied", timeout: 40) {
            primd.status()?["last_applied_revision"] as? String != nil
        }
        XCTAssertTrue(testbed.viaCaddy("alpha.prim.test").1.contains("alpha.sh"))
    }

    func testHTTPSRepositoryIsTrustedOnlyThroughTheConfiguredAuthority() throws {
        // Two private authorities; the server's certificate (for localhost) is signed by one of them.
        let dir = testbed.directory
        let authority = try PrivateAuthority(in: dir)
        let root = (repo.bare as NSString).deletingLastPathComponent
        let port = try freePort()
        try "token".write(toFile: "\(dir)/token", atomically: true, encoding: .utf8)
        let server = Command.spawn(
            Paths.repo("scripts/git-http-server"),
            ["\(port)", root, "\(dir)/token", authority.certificate, authority.key],
            stdout: "/dev/null", stderr: "/dev/null")
        defer { kill(server, SIGTERM); _ = Command.wait(server) }
        let url = "https://localhost:\(port)/\((repo.bare as NSString).lastPathComponent)"
        waitForListener(port)

        // controller.ca_file names the wrong authority: the certificate is refused, nothing is applied.
        try FileManager.default.copyItem(atPath: authority.otherCA, toPath: "\(dir)/trusted.pem")
        // The right authority in the same file is read at the next fetch: no restart.
        try assertFetchRefusedUntilFixed(
            url: url, extra: "  token_file: \(dir)/token\n  ca_file: \(dir)/trusted.pem\n",
            refusal: "name its PEM file in controller.ca_file"
        ) {
            try FileManager.default.removeItem(atPath: "\(dir)/trusted.pem")
            try FileManager.default.copyItem(atPath: authority.ca, toPath: "\(dir)/trusted.pem")
        }
    }

    func testBrokenLivePrimIsRolledBack() throws {
        try repo.commit(["prims/gamma.yaml": gamma()], message: "add gamma")
        let primd = try start()
        let good = try XCTUnwrap(primd.status()?["last_applied_revision"] as? String)
        XCTAssertTrue(testbed.viaCaddy("gamma.prim.test").1.contains("gamma.sh"))
        // Ask gamma through Caddy every 20 ms for as long as the broken commit is being attempted.
        let caddy = testbed.environment["CADDY_HTTP"]!
        let prober = Prober.through(caddy, host: "gamma.prim.test", expect: "gamma.sh")
        let broken = try repo.commit(
            ["prims/gamma.yaml": gamma(command: "/usr/bin/python3 -c 'raise SystemExit(1)'")], message: "break gamma")
        primd.waitFor("the broken commit to be attempted and rolled back", timeout: 60) {
            primd.status()?["last_attempted_revision"] as? String == broken
                && (primd.status()?["rolled_back"] as? [String: String])?["gamma"] != nil
        }
        let (answered, failed) = prober.stop()
        XCTAssertGreaterThan(answered, 20, "the prober reached gamma throughout")
        XCTAssertEqual(failed, 0, "gamma never stopped answering: \(prober.failures)")
        XCTAssertLessThanOrEqual(prober.lost, 1, "at most one connection lost in Caddy's swap: \(prober.failures)")
        XCTAssertEqual(
            (primd.status()?["prims"] as? [[String: Any]])?.first { $0["prim"] as? String == "gamma" }?["up"] as? Bool,
            true,
            "the running version is reported up")
        let status = try XCTUnwrap(primd.status())
        XCTAssertEqual(status["last_applied_revision"] as? String, good)
        XCTAssertEqual((status["rolled_back"] as? [String: String])?["gamma"], good)
        XCTAssertEqual(primd.condition("Ready")?["reason"] as? String, "HealthCheckFailed")
        XCTAssertTrue(
            testbed.viaCaddy("gamma.prim.test").1.contains("gamma.sh"), "gamma answers again at the good revision")
        XCTAssertTrue(
            try String(contentsOfFile: "\(testbed.unitDir)/prim-gamma@.service", encoding: .utf8).contains(
                "server.py --name gamma.sh"))
        let shown = try testbed.primctl(["status"])
        XCTAssertTrue(shown.stdout.contains("Applied revision:   \(good)"), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("Attempted revision: \(broken)"), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("Ready        False HealthCheckFailed"), shown.stdout)
        XCTAssertTrue(
            shown.stdout.contains("held at \(good.prefix(12)): commit \(broken.prefix(12)) failed its gate"),
            shown.stdout)
        // The failed commit is attempted once; `primctl reconcile --force` attempts it again.
        let generations = try FileManager.default.contentsOfDirectory(atPath: "\(testbed.dataDir)/generations").count
        primd.waitForFetches(2, seeing: broken)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: "\(testbed.dataDir)/generations").count, generations)
        let config =
            try String(contentsOfFile: testbed.config, encoding: .utf8)
            + "controller:\n  listen: 127.0.0.1:\(primd.port)\n"
        try config.write(toFile: "\(testbed.directory)/ctl.yaml", atomically: true, encoding: .utf8)
        let forced = try Primctl.run(["reconcile", "--force", "--config", "\(testbed.directory)/ctl.yaml"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        primd.waitFor("a forced second attempt", timeout: 60) {
            ((try? FileManager.default.contentsOfDirectory(atPath: "\(testbed.dataDir)/generations").count) ?? 0)
                >= generations + 2
        }
        // The fix is the version already running (a revert): nothing restarts, and nothing says
        // "rolled back" any more.
        let fix = try repo.commit(["prims/gamma.yaml": gamma()], message: "revert: gamma as it was")
        primd.waitFor("the fix to be applied", timeout: 60) {
            primd.status()?["last_applied_revision"] as? String == fix
        }
        let fixed = try XCTUnwrap(
            (primd.status()?["prims"] as? [[String: Any]])?.first { $0["prim"] as? String == "gamma" })
        XCTAssertNil(fixed["rolled_back_to"], "\(fixed)")
        let after = try testbed.primctl(["status"])
        XCTAssertFalse(after.stdout.contains("held at"), after.stdout)
        XCTAssertTrue(after.stdout.contains("up to date"), after.stdout)
    }

    /// A commit that changes only what a prim declares (a route) restarts nothing, yet its
    /// answer is asked again at once: the status does not show the old declaration's pass. A prim
    /// that stops running leaves the status.
    func testADeclarationOnlyChangeIsCheckedAtOnceAndAStoppedPrimLeavesTheStatus() throws {
        let primd = try start()
        func beta() -> [String: Any]? {
            (primd.status()?["prims"] as? [[String: Any]])?.first { $0["prim"] as? String == "beta" }
        }
        XCTAssertEqual(beta()?["up"] as? Bool, true, "\(String(describing: beta()))")
        let invocation = try testbed.unitProperty("prim-beta.service", "InvocationID")
        let paid =
            ConvergedState.files()["prims/beta.yaml"]!
            + "routes_map:\n  - route: POST /v1/beta\n    errors: [{ status: 402, code: payment_required }]\n"
        let declared = try repo.commit(
            ["prims/beta.yaml": paid], message: "beta declares a paid route its code does not serve")
        // The status says the revision is applied (on disk before anything else), then beta's answer
        // to it: wait for that answer.
        primd.waitFor("beta to be checked at the route change") {
            primd.status()?["last_applied_revision"] as? String == declared
                && beta()?["revision"] as? String == declared
        }
        XCTAssertEqual(
            try testbed.unitProperty("prim-beta.service", "InvocationID"), invocation, "nothing restarted beta")
        let checked = try XCTUnwrap(beta())
        XCTAssertEqual(checked["revision"] as? String, declared)
        XCTAssertEqual(checked["up"] as? Bool, false, "\(checked)")
        let routes = checked["routes"] as? [[String: Any]] ?? []
        XCTAssertEqual(routes.first?["route"] as? String, "POST /v1/beta")
        XCTAssertEqual(routes.first?["outcome"] as? String, "failed", "\(routes)")

        let stopped = try repo.commit(
            ["prims/beta.yaml": paid.replacingOccurrences(of: "status: testing", with: "status: hold")],
            message: "hold beta")
        primd.waitFor("beta to be held") { primd.status()?["last_applied_revision"] as? String == stopped }
        XCTAssertEqual(try testbed.activeState("prim-beta.service"), "inactive")
        XCTAssertNil(
            beta(), "a prim that no longer runs has no health entry: \(String(describing: primd.status()?["prims"]))")
        XCTAssertNotNil((primd.status()?["prims"] as? [[String: Any]])?.first { $0["prim"] as? String == "alpha" })
    }

    func testDriftIsRepairedOrOnlyReported() throws {
        let primd = try start("  drift_interval: 1\n")
        XCTAssertEqual(try testbed.managerCall("StopUnit", "ss", [try testbed.unit("beta"), "replace"]).status, 0)
        let fragment = "\(testbed.fragmentDir)/alpha.caddy"
        let original = try String(contentsOfFile: fragment, encoding: .utf8)
        try (original + "# edited by hand\n").write(toFile: fragment, atomically: true, encoding: .utf8)
        primd.waitFor("drift to be repaired and reported", timeout: 20) {
            (try? testbed.activeState("prim-beta.service")) == "active"
                && (try? String(contentsOfFile: fragment, encoding: .utf8)) == original
                && (primd.status()?["drift_events"] as? [String: Int] ?? [:]).count >= 2
        }
        let drift = primd.status()?["drift_events"] as? [String: Int] ?? [:]
        XCTAssertEqual(drift["unit.prim-beta@.service"], 1)
        XCTAssertEqual(drift["caddy_fragment.alpha.caddy"], 1)
        XCTAssertTrue(
            primd.get("/metrics")?.text.contains("prim_drift_events_total{resource=\"unit.prim-beta@.service\"} 1")
                ?? false)
        _ = primd.stop()

        let warn = try PrimdProcess(
            testbed: testbed, repo: "file://\(repo.bare)", extra: "  drift_interval: 1\n  drift_mode: warn\n", poll: 1)
        self.primd = warn
        warn.waitFor("primd to answer") { warn.status() != nil }
        XCTAssertEqual(try testbed.managerCall("StopUnit", "ss", [try testbed.unit("beta"), "replace"]).status, 0)
        warn.waitFor("drift to be reported", timeout: 20) {
            warn.stderr.contains("drift: unit.prim-beta@.service will be start")
        }
        XCTAssertEqual(try testbed.activeState("prim-beta.service"), "inactive", "warn mode changes nothing")
    }

    func testACommitPrimdDiedOnIsStalledAfterRestartAndTheNextGoodCommitApplies() throws {
        let first = try start()
        XCTAssertEqual(first.stop(), 0)
        let poison = try repo.commit(["prims/gamma.yaml": gamma()], message: "a commit primd dies on")
        // What a primd that crashed (or stalled until its watchdog killed it) while loading the commit leaves behind.
        try AttemptRecord(revision: poison, phase: .loading, started: Date()).save(dataDir: testbed.dataDir)
        let second = try PrimdProcess(testbed: testbed, repo: "file://\(repo.bare)", poll: 1)
        primd = second
        second.waitFor("the poison commit to be reported") {
            second.condition("Stalled")?["reason"] as? String == "AttemptCrashed"
        }
        let message = second.condition("Stalled")?["message"] as? String ?? ""
        XCTAssertTrue(message.contains("stopped while loading and planning revision \(poison.prefix(12))"), message)
        XCTAssertTrue(message.contains("primctl reconcile --force"), message)
        XCTAssertEqual(second.status()?["poisoned_revision"] as? String, poison)

        // Polls go on and the poison commit is not attempted.
        second.waitForFetches(2, seeing: poison)
        XCTAssertEqual(second.condition("Stalled")?["reason"] as? String, "AttemptCrashed")
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: "\(testbed.unitDir)/prim-gamma@.service"),
            "the poison commit was not applied")

        let fixed = try repo.commit(["prims/gamma.yaml": gamma(port: 3207)], message: "the next commit")
        second.waitForAttemptToEnd(fixed, "the next commit")
        XCTAssertEqual(second.condition("Ready")?["status"] as? Bool, true, "\(second.status() ?? [:])")
        XCTAssertEqual(second.status()?["last_applied_revision"] as? String, fixed)
        XCTAssertNil(second.status()?["poisoned_revision"] as? String)
        XCTAssertEqual(testbed.viaCaddy("gamma.prim.test").1, "{\"service\": \"gamma.sh\", \"status\": \"ok\"}")
    }

    func testGitDaemonAndKillNineMidApply() throws {
        let daemon = try GitDaemon(serving: repo.bare)
        defer { daemon.stop() }
        let url = daemon.url
        let first = try PrimdProcess(testbed: testbed, repo: url, poll: 1)
        // Killed inside the apply: once its journal exists (the gates alone take half a second).
        let journal = "\(testbed.dataDir)/journal.jsonl"
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: journal) && Date() < deadline { usleep(2_000) }
        kill(first.pid, SIGKILL)
        _ = Command.wait(first.pid)
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: journal), "primd was killed mid-apply and left its journal")
        let second = try start(url: url)
        second.waitFor("convergence after kill -9", timeout: 40) {
            second.condition("Ready")?["status"] as? Bool == true
        }
        XCTAssertEqual(try testbed.primctl(["diff", "--state", "\(repo.work)/state"]).status, 0)
        XCTAssertEqual(testbed.viaCaddy("alpha.prim.test").0, 200)
    }

    func testOnlyCommitsSignedByAllowedKeysAreApplied() throws {
        let keys = "\(testbed.directory)/keys"
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        for name in ["allowed", "stranger"] {
            XCTAssertEqual(
                try Command.run(
                    "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", "\(keys)/\(name)"]
                ).status, 0)
        }
        let publicKey = try String(contentsOfFile: "\(keys)/allowed.pub", encoding: .utf8).split(separator: " ")
        try "agent@prim.test \(publicKey[0]) \(publicKey[1])\n".write(
            toFile: "\(keys)/allowed_signers", atomically: true, encoding: .utf8)
        repo = try StateRepository(files: ConvergedState.files(), signingKey: "\(keys)/allowed")
        let primd = try start("  allowed_signers: \(keys)/allowed_signers\n")
        XCTAssertEqual(testbed.viaCaddy("alpha.prim.test").0, 200, "the signed first revision is applied")

        repo.signingKey = nil
        let unsigned = try repo.commit(["prims/gamma.yaml": gamma()], message: "unsigned")
        primd.waitForAttemptToEnd(unsigned, "the unsigned commit")
        XCTAssertEqual(primd.condition("Stalled")?["reason"] as? String, "InvalidCommitSignature")
        XCTAssertTrue((primd.condition("Stalled")?["message"] as? String ?? "").contains("the commit is not signed"))
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: "\(testbed.unitDir)/prim-gamma@.service"), "nothing applied")

        repo.signingKey = "\(keys)/stranger"
        let stranger = try repo.commit(["prims/gamma.yaml": gamma(port: 3208)], message: "signed by a stranger")
        primd.waitForAttemptToEnd(stranger, "the stranger's commit")
        XCTAssertTrue((primd.condition("Stalled")?["message"] as? String ?? "").contains("not in the allowed signers"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(testbed.unitDir)/prim-gamma@.service"))

        repo.signingKey = "\(keys)/allowed"
        let signed = try repo.commit(["prims/gamma.yaml": gamma(port: 3210)], message: "signed")
        primd.waitFor("the signed commit to be applied") {
            primd.status()?["last_applied_revision"] as? String == signed
        }
        XCTAssertTrue(testbed.viaCaddy("gamma.prim.test").1.contains("gamma.sh"))
    }
}

/// Calls `probe` every 10 ms on a thread until stopped; counts answers and failures, and keeps
/// what the first failures were (`failures`) for the assertion's message.
///
/// A connection lost as Caddy swaps its listening socket (`lost`) is counted apart: Debian's Caddy
/// 2.6.2 opens a new socket at every config load and closes the old, whatever the route. The
/// testbed sets `net.ipv4.tcp_migrate_req`, as the package does, and the kernel then moves what was
/// queued on the old socket (`scripts/bench-reload`: 294 resets in 89,514 requests without it, none
/// in 74,374 with it). A refusal on Caddy's own port was seen once in CI, before the testbed set it,
/// and never in the benchmark's 226,741 requests at either setting. Both are counted as lost, and a
/// test allows one: a fault of prim's (a load that drops Caddy's listener, a route to a dead port)
/// loses every request for as long as it lasts. Every other failure — an answer that is not the
/// prim's own (a 502, Caddy's 404, another body), a timeout — is a failure.
final class Prober: @unchecked Sendable {
    /// Why one request failed.
    enum Failure {
        /// A wrong answer, a timeout, any failure that is not Caddy's socket swap.
        case wrong(String)
        /// A connection to Caddy refused or closed before any answer.
        case lost(String)
    }

    private let lock = NSLock()
    private var answered = 0, failed = 0, lostCount = 0, running = true
    private var reasons: [String] = []
    private let done = DispatchSemaphore(value: 0)

    /// `probe` says how a request failed, or nil when it was answered as it should be.
    init(classifying probe: @escaping @Sendable () -> Failure?) {
        let started = Date()
        Thread.detachNewThread { [self] in
            while lock.withLock({ running }) {
                let failure = probe()
                lock.withLock {
                    let at = String(format: "at %.3f s", Date().timeIntervalSince(started))
                    switch failure {
                    case .none:
                        answered += 1
                    case .lost(let why):
                        lostCount += 1
                        reasons.append("\(at) (lost in Caddy's swap): \(why)")
                    case .wrong(let why):
                        failed += 1
                        if reasons.count < 5 { reasons.append("\(at): \(why)") }
                    }
                }
                usleep(10_000)
            }
            done.signal()
        }
    }

    /// A prober that asks Caddy for `host` and expects its body to contain `expect`.
    static func through(_ caddy: String, host: String, expect: String) -> Prober {
        Prober(classifying: {
            do {
                let answer = try HTTPClient.request("GET", caddy + "/", headers: ["Host": host], timeout: 10)
                return answer.text.contains(expect) ? nil : .wrong("\(answer.status) \(answer.text.prefix(120))")
            } catch {
                let why = "\(error)"
                return lostInCaddysSwap(why) ? .lost(why) : .wrong(why)
            }
        })
    }

    func stop() -> (answered: Int, failed: Int) {
        lock.withLock { running = false }
        done.wait()
        return lock.withLock { (answered, failed) }
    }

    var failures: [String] { lock.withLock { reasons } }

    /// Connections lost in Caddy's listener swap.
    var lost: Int { lock.withLock { lostCount } }

    /// libcurl's words (`curl_easy_strerror`) for a connection lost before any answer: nothing came
    /// back (CURLE_GOT_NOTHING), the read failed (CURLE_RECV_ERROR), the request could not be
    /// written to a socket Caddy had closed (CURLE_SEND_ERROR) or the connection was refused
    /// (CURLE_COULDNT_CONNECT). Asked only of an error `through` caught: a connection to Caddy.
    static func lostInCaddysSwap(_ error: String) -> Bool {
        [
            "Empty reply from server", "Failure when receiving data from the peer", "Connection reset by peer",
            "Failed sending data to the peer", "Couldn't connect to server",
        ]
        .contains { error.contains($0) }
    }
}
