import Foundation
import PrimSystem
import PrimX402
import XCTest

/// domain.sh as the host's DNS provider: the contract fake of upstream's API (scripts/x402/
/// domainsh_fake.py), which charges through x402's own Flask middleware and the local
/// facilitator. Every call prim makes is paid by its Swift x402 client from the host's wallet.
final class DomainShDNSTests: XCTestCase {
    var testbed: Testbed!
    var facilitator: LocalFacilitator!
    var domainsh: pid_t = 0
    var domainshPort = 0
    var directory = ""
    var state = ""
    var host: TestWallet!
    var stranger: TestWallet!
    let payTo = "0x209693bc6afc0c5328ba36faf03c514ef312287c"
    let funds: UInt64 = 1_000_000

    override func setUpWithError() throws {
        testbed = try Testbed.up()
        directory = Paths.temporaryDirectory("prim-domainsh")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        host = try TestWallet(
            "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6", directory: directory)
        stranger = try TestWallet(TestWallet.keys[2], directory: directory)
        chmod(host.keyFile, 0o600)
        facilitator = try LocalFacilitator(mint: [host.address: funds, stranger.address: funds], directory: directory)
        domainshPort = try freePort()
        domainsh = Command.spawn(
            X402Python.python,
            [
                X402Python.script("domainsh_fake.py"), "--listen", "127.0.0.1:\(domainshPort)",
                "--facilitator", facilitator.url, "--pay-to", payTo, "--zone", "prim.test=\(host.address)",
            ],
            stdout: "\(directory)/domainsh.log", stderr: "\(directory)/domainsh.log")
        let started = Date()
        while (try? HTTPClient.request("GET", domainshURL + "/_fake/state", timeout: 1))?.status != 200 {
            guard Date().timeIntervalSince(started) < 60 else {
                throw NSError(domain: "domain.sh fake did not start", code: 1)
            }
            usleep(50_000)
        }
        try useDomainSh()
        var files = DNSTests.files(
            records:
                "  - { name: \"@\", type: TXT, content: '\"prim test\"' }\n  - { name: \"@\", type: MX, content: \"10 mail.prim.test.\" }\n"
        )
        files["dns/prim.test.yaml"] = files["dns/prim.test.yaml"]!.replacingOccurrences(
            of: "provider: powerdns", with: "provider: domainsh")
        state = try writeTree(files)
    }

    override func tearDown() {
        if domainsh > 0 { kill(domainsh, SIGTERM); _ = Command.wait(domainsh) }
        facilitator?.stop()
        testbed?.down()
        try? FileManager.default.removeItem(atPath: state)
        try? FileManager.default.removeItem(atPath: directory)
    }

    var domainshURL: String { "http://127.0.0.1:\(domainshPort)" }

    /// The testbed's host config with domain.sh in place of PowerDNS.
    func useDomainSh(_ extra: String = "") throws {
        var config = try String(contentsOfFile: testbed.config, encoding: .utf8)
        let start = try XCTUnwrap(config.range(of: "dns:\n"))
        var end = start.upperBound
        while end < config.endIndex, config[end...].hasPrefix("  ") {
            end = config[end...].firstIndex(of: "\n").map { config.index(after: $0) } ?? config.endIndex
        }
        config.replaceSubrange(
            start.lowerBound..<end,
            with: """
                dns:
                  provider: domainsh
                  api: \(domainshURL)
                  wallet_key_file: \(host.keyFile)
                  network: eip155:84532
                \(extra)
                """)
        try config.write(toFile: testbed.config, atomically: true, encoding: .utf8)
    }

    func fake() throws -> [String: Any] {
        try JSONSerialization.jsonObject(
            with: Data(try HTTPClient.request("GET", domainshURL + "/_fake/state", timeout: 5).body)) as? [String: Any]
            ?? [:]
    }

    var zone: [String: Any] { get throws { (try fake()["zones"] as? [[String: Any]])?.first ?? [:] } }

    /// The listed records as `name TYPE content`.
    func listed() throws -> [String] {
        (try zone["records"] as? [[String: Any]] ?? []).map { "\($0["name"]!) \($0["type"]!) \($0["content"]!)" }
            .sorted()
    }

    func providerRecords(_ name: String) throws -> Int {
        (try zone["provider_records"] as? [[String: Any]] ?? []).filter { $0["name"] as? String == name }.count
    }

    func handled(_ route: String) throws -> Int {
        ((try fake()["calls"] as? [String: Any])?[route] as? [String: Any])?["handled"] as? Int ?? 0
    }

    static let batch = "POST /v1/zones/[zone_id]/records/batch"

    @discardableResult
    func apply(expect status: Int32? = 0) throws -> CommandResult {
        let result = try testbed.primctl(["apply", "--state", state, "--yes"])
        if let status { XCTAssertEqual(result.status, status, result.stdout + result.stderr) }
        return result
    }

    func testTheRecordsAreCreatedPaidAndListedAndAForeignOneIsLeftAlone() throws {
        // Someone else's record in the zone, made through domain.sh by the same wallet.
        let zoneID = try XCTUnwrap(try zone["id"] as? String)
        let foreign = try PythonPayer.pay(
            host, "POST", domainshURL + "/v1/zones/\(zoneID)/records",
            json: ["type": "A", "name": "foreign.prim.test", "content": "10.0.0.9", "ttl": 60])
        XCTAssertEqual(foreign.status, 201, foreign.raw)

        let diff = try testbed.primctl(["diff", "--state", state])
        XCTAssertTrue(
            diff.stdout.contains("this apply pays about $0.006 to domain.sh (1 list page, 1 batch)"), diff.stdout)
        let before = try facilitator.balance(host.address)
        try apply()
        XCTAssertEqual(
            try listed(),
            [
                "foreign.prim.test A 10.0.0.9", "p1.prim.test A 127.0.0.1", "p2.prim.test A 127.0.0.1",
                "p3.prim.test A 127.0.0.1",
                "prim.test MX mail.prim.test", "prim.test TXT \"prim test\"",
            ])
        XCTAssertEqual(testbed.viaCaddy("p1.prim.test").1, "{\"service\": \"p1.sh\", \"status\": \"ok\"}")
        let paid = before - (try facilitator.balance(host.address))
        XCTAssertGreaterThan(paid, 0)
        XCTAssertEqual(try handled(Self.batch), 1)

        // Nothing to change: no batch is sent (reads are still paid).
        XCTAssertEqual(try apply().stdout, "No changes. Live state matches the desired state.\n")
        XCTAssertEqual(try handled(Self.batch), 1)

        // A prim removed: its record goes, the foreign one stays.
        try FileManager.default.removeItem(atPath: "\(state)/prims/p3.yaml")
        try apply()
        XCTAssertFalse(try listed().contains("p3.prim.test A 127.0.0.1"))
        XCTAssertTrue(try listed().contains("foreign.prim.test A 10.0.0.9"))

        // Another wallet cannot touch the zone.
        let other = try PythonPayer.pay(stranger, "GET", domainshURL + "/v1/zones/\(zoneID)/records")
        XCTAssertEqual(other.status, 403, other.raw)
    }

    func testABatchAnswered500AfterItRanIsNotSentAgain() throws {
        _ = try HTTPClient.request(
            "POST", domainshURL + "/_fake/fail-next-batch", headers: ["Content-Type": "application/json"],
            body: Array("{\"mode\": \"after_apply\"}".utf8), timeout: 5)
        let failed = try apply(expect: nil)
        XCTAssertNotEqual(failed.status, 0, failed.stdout)
        XCTAssertTrue((failed.stdout + failed.stderr).contains("domain.sh answered 500"), failed.stdout + failed.stderr)
        XCTAssertEqual(try providerRecords("p1.prim.test"), 1, "the provider has it; domain.sh does not list it")
        XCTAssertEqual(try listed(), [])

        // The next apply lists again, sees nothing, and does not send what may already exist.
        let next = try apply(expect: nil)
        XCTAssertTrue(next.stdout.contains("primctl dns release p1.prim.test/A"), next.stdout)
        XCTAssertEqual(try providerRecords("p1.prim.test"), 1, "no duplicate at the provider")
        XCTAssertEqual(try handled(Self.batch), 1, "no second batch")
        let held = try testbed.primctl(["dns", "held"])
        XCTAssertTrue(held.stdout.contains("prim.test: p1.prim.test/A"), held.stdout)

        // Released by the operator (after checking), it is created again.
        XCTAssertEqual(
            try testbed.primctl([
                "dns", "release", "p1.prim.test/A", "p2.prim.test/A", "p3.prim.test/A", "prim.test/MX", "prim.test/TXT",
            ]).status, 0)
        try apply()
        XCTAssertTrue(try listed().contains("p1.prim.test A 127.0.0.1"))
    }

    func testTheSpendCapRefusesBeforeAnythingChanges() throws {
        try useDomainSh("  max_spend: \"$0.005\"\n")
        let files = testbed.liveFiles()
        let refused = try apply(expect: nil)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(
            (refused.stdout + refused.stderr).contains(
                "more than dns.max_spend ($0.005 an apply); nothing was changed"), refused.stdout + refused.stderr)
        XCTAssertEqual(try handled(Self.batch), 0)
        XCTAssertEqual(try listed(), [])
        XCTAssertEqual(testbed.liveFiles(), files, "no unit, env file or route was written")
    }

    func testAFacilitatorThatIsDownChangesNoRecordAndTheNextApplyDoes() throws {
        try facilitator.mode("down")
        let down = try apply(expect: nil)
        XCTAssertTrue(down.stdout.contains("the DNS provider did not answer"), down.stdout + down.stderr)
        XCTAssertEqual(try listed(), [])
        XCTAssertEqual(testbed.viaCaddy("p1.prim.test").1, "no prim serves this name", "no route before its record")
        try facilitator.mode("normal")
        try apply()
        XCTAssertTrue(try listed().contains("p1.prim.test A 127.0.0.1"))
        XCTAssertEqual(testbed.viaCaddy("p1.prim.test").1, "{\"service\": \"p1.sh\", \"status\": \"ok\"}")
    }
}
