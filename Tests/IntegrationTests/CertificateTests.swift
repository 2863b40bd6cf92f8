import Foundation
import PrimSystem
import XCTest

/// prim's own wildcard certificate on the https testbed: Pebble validating DNS-01 against the
/// testbed's PowerDNS. One order for every prim's name, Caddy making none of its own, a renewal
/// with no failed request, a CA that is down, and bad `tls:` settings refused where they are.
final class CertificateTests: XCTestCase {
    var testbed: Testbed!
    var pdns: PowerDNSAPI!
    var outputs: [String] = []
    var port: String { String(testbed.environment["CADDY_HTTPS"]!.split(separator: ":")[1]) }
    var store: String { "\(testbed.directory)/tls" }

    override func setUpWithError() throws {
        testbed = try Testbed.up(https: true)
        pdns = PowerDNSAPI(testbed: testbed)
    }

    override func tearDown() { testbed?.down() }

    /// The testbed's host config with a `tls:` block (and what `more` adds to it).
    func configure(
        _ more: String = "", names: String = "[\"*.prim.test\", \"prim.test\"]", store: String? = nil
    ) throws {
        let base = try String(contentsOfFile: testbed.config, encoding: .utf8)
            .components(separatedBy: "\ntls:\n")[0]
        let tls = """

            tls:
              acme: \(testbed.environment["PEBBLE_ACME"]!)
              ca_file: \(testbed.environment["PEBBLE_API_CA"]!)
              store: \(store ?? self.store)
              contact: [mailto:ops@prim.test]
            \(more)  certificates:
                - names: \(names)

            """
        try (base + tls).write(toFile: testbed.config, atomically: true, encoding: .utf8)
    }

    @discardableResult
    func primctl(_ arguments: [String], expect status: Int32? = 0, input: String? = nil) throws -> CommandResult {
        let result = try testbed.primctl(arguments, input: input)
        outputs += [result.stdout, result.stderr]
        if let status { XCTAssertEqual(result.status, status, result.stdout + result.stderr) }
        return result
    }

    func apply(expect status: Int32 = 0) throws -> CommandResult {
        try primctl(["apply", "--state", Paths.repo("examples/quickstart"), "--yes"], expect: status)
    }

    /// The certificate Caddy serves for `name`: its SANs and serial, from `openssl s_client`.
    func served(_ name: String) throws -> (names: [String], serial: String) {
        let result = try Command.shell(
            "echo | openssl s_client -connect 127.0.0.1:\(port) -servername \(name) 2>/dev/null | openssl x509 -noout -serial -ext subjectAltName"
        )
        let text = result.stdout
        let serial = text.split(separator: "\n").first { $0.hasPrefix("serial=") }.map { String($0.dropFirst(7)) } ?? ""
        let names = text.components(separatedBy: "DNS:").dropFirst().map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: ", \n"))
        }
        return (names, serial)
    }

    /// `curl --cacert <Pebble's root>` to `name` on Caddy's https port.
    func answer(_ name: String) throws -> String {
        let result = try Command.run(
            "/usr/bin/curl",
            [
                "-sS", "--max-time", "5", "--cacert", testbed.environment["PEBBLE_ROOT"]!,
                "--resolve", "\(name):\(port):127.0.0.1", "https://\(name):\(port)/",
            ])
        return result.status == 0 ? result.stdout : "curl \(result.status): \(result.stderr)"
    }

    func caddyLog() -> [String] {
        ((try? String(contentsOfFile: "\(testbed.directory)/logs/caddy.log", encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }

    /// Asks `name` over TLS every 20 ms until `stop()`; returns the outcomes (`200`, or curl's error).
    func probe(_ name: String) -> () -> [String] {
        let out = "\(testbed.directory)/probe-\(name).txt"
        let stop = "\(testbed.directory)/probe-\(name).stop"
        let script = """
            while [ ! -e \(stop) ]; do
              curl -sS --max-time 5 --cacert \(testbed.environment["PEBBLE_ROOT"]!) --resolve \(name):\(port):127.0.0.1 \
                -o /dev/null -w '%{http_code}\\n' https://\(name):\(port)/ 2>&1
              sleep 0.02
            done
            """
        let pid = Command.spawn("/bin/bash", ["-c", script], stdout: out, stderr: out + ".err")
        return {
            _ = FileManager.default.createFile(atPath: stop, contents: nil)
            _ = Command.wait(pid)
            return ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
    }

    func setSecrets() throws {
        try primctl(["secret", "set", "SEARCH_API_KEY"], input: "sk-canary-search")
        try primctl(["secret", "set", "WALLET_INTERNAL_KEY"], input: "wk-canary-wallet")
    }

    func testOneWildcardServesEveryPrimAndIsRenewedWithNoFailedRequest() throws {
        try setSecrets()
        let names = ["search.prim.test", "store.prim.test", "wallet.prim.test"]
        // Someone else's record at the challenge name: left as it is throughout.
        try pdns.replace(
            "prim.test", name: "_acme-challenge.prim.test", type: "TXT", contents: ["\"kept by someone else\""])
        try configure()
        let applied = try apply()
        XCTAssertTrue(applied.stdout.contains("certificate.*.prim.test: Creation complete"), applied.stdout)
        for name in names {
            XCTAssertEqual(
                try answer(name), "{\"service\": \"\(name.split(separator: ".")[0]).sh\", \"status\": \"ok\"}")
            XCTAssertEqual(try served(name).names, ["*.prim.test", "prim.test"], name)
        }
        // Caddy loaded the certificate and made no order of its own for these names.
        let log = caddyLog()
        for name in names {
            XCTAssertTrue(
                log.contains { $0.contains("skipping automatic certificate management") && $0.contains("\"\(name)\"") },
                name)
            XCTAssertFalse(log.contains { $0.contains("obtaining certificate") && $0.contains(name) }, name)
        }
        XCTAssertEqual(try pdns.dig("_acme-challenge.prim.test", "TXT"), ["\"kept by someone else\""])
        let diff = try primctl(["diff", "--state", Paths.repo("examples/quickstart")])
        XCTAssertTrue(diff.stdout.contains("No changes."), diff.stdout)
        let first = try served("store.prim.test").serial

        // The store: the account key 0600, the certificate and its key 0640, for Caddy's group.
        XCTAssertEqual(
            try FileManager.default.attributesOfItem(atPath: "\(store)/account.key")[.posixPermissions] as? Int, 0o600)
        let bundle = try FileManager.default.attributesOfItem(atPath: "\(store)/live/_.prim.test.pem")
        XCTAssertEqual(bundle[.posixPermissions] as? Int, 0o640)
        XCTAssertEqual(bundle[.groupOwnerAccountName] as? String, "caddy")

        // Renewal: a threshold above the certificate's lifetime makes the next apply renew it.
        try configure("  renew_before: 3650d\n")
        let plan = try primctl(["diff", "--state", Paths.repo("examples/quickstart")], expect: 2)
        XCTAssertTrue(plan.stdout.contains("# *.prim.test will be renewed\n  # (expires in "), plan.stdout)
        let stop = probe("store.prim.test")
        usleep(300_000)
        let renewed = try apply()
        usleep(300_000)
        let outcomes = stop()
        XCTAssertTrue(renewed.stdout.contains("certificate.*.prim.test: Modifications complete"), renewed.stdout)
        XCTAssertTrue(renewed.stdout.contains("caddy_config.caddy: Reload complete"), renewed.stdout)
        XCTAssertGreaterThan(outcomes.count, 10)
        XCTAssertEqual(outcomes.filter { $0 != "200" }, [], "no request failed during the renewal")
        print(
            "renewal: \(outcomes.count) requests by name over TLS during it, \(outcomes.filter { $0 != "200" }.count) failed"
        )
        XCTAssertNotEqual(try served("store.prim.test").serial, first, "Caddy serves the renewed certificate")
        XCTAssertEqual(try pdns.dig("_acme-challenge.prim.test", "TXT"), ["\"kept by someone else\""])

        // The CA stops answering: the apply says why, the certificate keeps serving, the next try waits.
        let pebble = try String(contentsOfFile: "\(testbed.directory)/pebble.pid", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let serving = try served("store.prim.test").serial
        kill(pid_t(pebble)!, SIGSTOP)
        let down = try apply(expect: 4)
        kill(pid_t(pebble)!, SIGCONT)
        XCTAssertTrue(down.stdout.contains("cannot reach the ACME server"), down.stdout + down.stderr)
        XCTAssertEqual(try served("store.prim.test").serial, serving)
        XCTAssertEqual(try answer("store.prim.test"), "{\"service\": \"store.sh\", \"status\": \"ok\"}")
        let waiting = try primctl(["diff", "--state", Paths.repo("examples/quickstart")])
        XCTAssertTrue(
            waiting.stdout.contains("certificate *.prim.test: 1 order failed (cannot reach the ACME server"),
            waiting.stdout)
        XCTAssertTrue(
            waiting.stdout.contains("the next try is in 4 min; the current one keeps serving"), waiting.stdout)
        XCTAssertTrue(waiting.stdout.contains("No changes."), waiting.stdout)

        // Canary: no line of either key appears in any output, Caddy's log or the records.
        try primctl(["status", "--format", "json"], expect: nil)
        let keys = try [
            String(contentsOfFile: "\(store)/account.key", encoding: .utf8),
            String(contentsOfFile: "\(store)/live/_.prim.test.pem", encoding: .utf8)
                .components(separatedBy: "-----BEGIN EC PRIVATE KEY-----").dropFirst().joined(),
        ]
        let lines = keys.flatMap { $0.split(separator: "\n") }.filter { !$0.hasPrefix("-----") && $0.count > 16 }
        XCTAssertGreaterThan(lines.count, 2)
        let records = try FileManager.default.contentsOfDirectory(atPath: "\(store)/records").map {
            try String(contentsOfFile: "\(store)/records/\($0)", encoding: .utf8)
        }
        let seen = (outputs + caddyLog() + records).joined(separator: "\n")
        for line in lines { XCTAssertFalse(seen.contains(line), "a key's line was seen") }

        // Moving off it: without tls:, the certificate goes after Caddy stops loading it, and the
        // names are Caddy's to order again.
        let base = try String(contentsOfFile: testbed.config, encoding: .utf8).components(separatedBy: "\ntls:\n")[0]
        try (base + "\n").write(toFile: testbed.config, atomically: true, encoding: .utf8)
        let off = try apply()
        XCTAssertTrue(off.stdout.contains("certificate.*.prim.test: Destruction complete"), off.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(store)/live/_.prim.test.pem"))
        XCTAssertFalse(
            try String(contentsOfFile: "\(testbed.fragmentDir)/store.caddy", encoding: .utf8).contains("tls {"))
        var own: [String] = []
        let deadline = Date().addingTimeInterval(30)
        while own != ["store.prim.test"], Date() < deadline {
            usleep(200_000)
            own = (try? served("store.prim.test").names) ?? []
        }
        XCTAssertEqual(own, ["store.prim.test"], "Caddy's own certificate for the name")
    }

    func testAnAgentsNewPrimIsServedWithTheWildcardWithoutAnOrder() throws {
        try configure()
        let loop = try AgentLoop(testbed: testbed, files: DNSTests.files(prims: ["p1"]))
        defer { loop.stop() }
        let (primd, prsh) = (loop.primd, loop.prsh)
        XCTAssertEqual(try served("p1.prim.test").names, ["*.prim.test", "prim.test"])

        let started = Date()
        let added = try prsh.open(["state/prims/gamma.yaml": Prims.yaml("gamma", port: 3420)], title: "Add gamma.sh")
        XCTAssertEqual(added.state, "merged", added.message)
        var body = ""
        primd.waitFor("gamma to answer by name over TLS", timeout: 60) {
            body = (try? self.answer("gamma.prim.test")) ?? ""
            return body.hasPrefix("{")
        }
        XCTAssertEqual(body, "{\"service\": \"gamma.sh\", \"status\": \"ok\"}")
        print(
            "agent POST /v1/pr to an answer by name over TLS with the wildcard: \(String(format: "%.2f", Date().timeIntervalSince(started))) s"
        )
        XCTAssertEqual(try served("gamma.prim.test").names, ["*.prim.test", "prim.test"])
        XCTAssertFalse(caddyLog().contains { $0.contains("obtaining certificate") && $0.contains("gamma.prim.test") })

        // primd reports the certificate: its status, the Degraded condition, the metric.
        let status = try XCTUnwrap(primd.status())
        let certificates = try XCTUnwrap(status["certificates"] as? [[String: Any]], "\(status)")
        XCTAssertEqual(certificates.first?["names"] as? [String], ["*.prim.test", "prim.test"])
        let conditions = status["conditions"] as? [[String: Any]] ?? []
        let degraded = try XCTUnwrap(conditions.first { $0["type"] as? String == "Degraded" })
        XCTAssertEqual(degraded["status"] as? Bool, false)
        XCTAssertEqual(degraded["reason"] as? String, "CertificatesValid")
        let metrics = try HTTPClient.request("GET", HTTPAddress(primd.url), "/metrics", timeout: 5).text
        let expiry = try XCTUnwrap(
            metrics.split(separator: "\n").first {
                $0.hasPrefix("prim_certificate_expiry_seconds{certificate=\"*.prim.test\"} ")
            })
        XCTAssertGreaterThan(Int(expiry.split(separator: " ").last!)!, 86_400 * 14)
    }

    /// primd renews by itself, with no commit, whatever its drift mode (here `warn`).
    func testPrimdRenewsOnItsOwnLoop() throws {
        try configure("  renew_before: 3650d\n")
        let repo = try StateRepository(files: DNSTests.files(prims: ["p1"]))
        let primd = try PrimdProcess(
            testbed: testbed, repo: "file://\(repo.bare)", extra: "  drift_interval: 1\n  drift_mode: warn\n")
        defer { _ = primd.stop() }
        primd.waitFor("the first revision to be applied") { primd.status()?["last_applied_revision"] as? String != nil }
        let first = try served("p1.prim.test").serial
        XCTAssertFalse(first.isEmpty)
        primd.waitFor("primd to renew the certificate", timeout: 30) {
            ((try? self.served("p1.prim.test").serial) ?? first) != first
        }
        XCTAssertTrue(primd.stderr.contains("certificate.*.prim.test will be renewed"), primd.stderr)
        XCTAssertFalse(primd.stderr.contains("drift: certificate"), "a renewal is not drift")
    }

    func testBadCertificateSettingsAreRefusedWhereTheyAreAndChangeNothing() throws {
        // A store another user could write into is refused before anything is written.
        let open = "\(testbed.directory)/open"
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: true)
        XCTAssertEqual(chmod(open, 0o777), 0)
        try configure(store: "\(open)/tls")
        let unsafe = try primctl(["apply", "--state", Paths.repo("examples/quickstart"), "--yes"], expect: 1)
        XCTAssertTrue(
            unsafe.stderr.contains(
                "tls.store \(open)/tls is not root's alone: \(open) can be written by a user other than root"),
            unsafe.stdout + unsafe.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: open), [])

        try configure(names: "[\"*.*.prim.test\"]")
        // The line of the certificate's names in the host config.
        let line =
            try String(contentsOfFile: testbed.config, encoding: .utf8).split(
                separator: "\n", omittingEmptySubsequences: false
            ).firstIndex { $0.contains("- names:") }! + 1
        let deep = try primctl(["apply", "--state", Paths.repo("examples/quickstart"), "--yes"], expect: nil)
        XCTAssertNotEqual(deep.status, 0)
        XCTAssertTrue(
            deep.stderr.contains(
                "\(testbed.config):\(line):15: error: certificate name '*.*.prim.test' has a wildcard deeper than one label"
            ),
            deep.stderr)

        try configure(names: "[\"*.prim.test\", \"elsewhere.test\"]")
        let outside = try primctl(["apply", "--state", Paths.repo("examples/quickstart"), "--yes"], expect: 1)
        XCTAssertTrue(
            outside.stdout.contains(
                "\(testbed.config):\(line):30: error: certificate name 'elsewhere.test' is in no zone of the state"),
            outside.stdout + outside.stderr)

        let text = try String(contentsOfFile: testbed.config, encoding: .utf8)
        try text.replacingOccurrences(of: "  provider: powerdns\n", with: "  provider: domainsh\n")
            .replacingOccurrences(of: "\"elsewhere.test\"", with: "\"prim.test\"")
            .write(toFile: testbed.config, atomically: true, encoding: .utf8)
        let provider = try primctl(["apply", "--state", Paths.repo("examples/quickstart"), "--yes"], expect: 1)
        XCTAssertTrue(
            provider.stdout.contains(
                "\(testbed.config):\(line):15: error: certificate name '*.prim.test' is in zone prim.test, whose provider 'powerdns' is not the one this host writes TXT records to"
            ),
            provider.stdout + provider.stderr)

        // Nothing was done: no store, no route, no record.
        XCTAssertFalse(FileManager.default.fileExists(atPath: store))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: testbed.fragmentDir), [])
        XCTAssertEqual(try pdns.dig("store.prim.test"), [])
    }
}
