import Foundation
import PrimSystem
import XCTest

/// primd after something outside it failed and came back: a DNS outage. What waited is deployed at
/// the next fetch (webhook, `primctl reconcile` or poll), not at the next drift check; the status
/// forgets the outage; and a prim that waits is not judged on its health meanwhile.
final class PrimdRecoveryTests: XCTestCase {
    func testAfterADNSOutageTheNextReconcileDeploysWhatWaited() throws {
        let testbed = try Testbed.up()
        defer { testbed.down() }
        let repo = try StateRepository(files: DNSTests.files(prims: ["p1"]))
        // Polls every 10 minutes and checks drift every 5: only the asked-for reconcile can recover in time.
        let primd = try PrimdProcess(testbed: testbed, repo: "file://\(repo.bare)", poll: 600)
        defer { _ = primd.stop() }
        primd.waitFor("the first revision to be applied") { primd.status()?["last_applied_revision"] as? String != nil }
        let pdns = pid_t(
            try String(contentsOfFile: "\(testbed.directory)/pdns.pid", encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines))!
        XCTAssertEqual(kill(pdns, SIGSTOP), 0)
        var resumed = false
        defer { if !resumed { kill(pdns, SIGCONT) } }

        let added = try repo.commit(
            ["prims/p2.yaml": "id: p2\nstatus: testing\nport: 3466\n"], message: "add p2 during an outage")
        XCTAssertEqual(try HTTPClient.request("POST", primd.url + "/reconcile", body: [], timeout: 5).status, 202)
        primd.waitForAttemptToEnd(added, "the commit during the outage", timeout: 90)
        let blocked = (primd.status()?["blocked"] as? [[String: Any]] ?? []).compactMap { $0["prim"] as? String }
        XCTAssertTrue(blocked.contains("p2"), "\(primd.status() ?? [:])")
        let judged = (primd.status()?["prims"] as? [[String: Any]] ?? []).compactMap { $0["prim"] as? String }
        XCTAssertFalse(judged.contains("p2"), "a prim that waits is not judged on its health: \(judged)")
        XCTAssertFalse(try testbed.caddyConfig().contains("p2.prim.test"), "no route before the record")

        XCTAssertEqual(kill(pdns, SIGCONT), 0)
        resumed = true
        XCTAssertEqual(try HTTPClient.request("POST", primd.url + "/reconcile", body: [], timeout: 5).status, 202)
        primd.waitFor("p2 to be deployed after the outage", timeout: 60) {
            testbed.viaCaddy("p2.prim.test").1.contains("p2.sh")
        }
        primd.waitFor("the outage to leave the status") { primd.status()?["blocked"] == nil }
    }

    /// A 300 MB file in a prim's package is refused by its size, read from git's object header:
    /// primd names the file and its size and never holds the blob in memory.
    func testALargeBlobIsRefusedByItsSizeWithoutBeingRead() throws {
        let testbed = try Testbed.up()
        defer { testbed.down() }
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "blob-secret").status, 0)
        let repo = try StateRepository(files: ConvergedState.files())
        // Over git's own protocol, as from a forge (file:// would make primd's libgit2 pack the
        // objects itself, holding the blob on the sending side).
        let daemon = try GitDaemon(serving: repo.bare)
        defer { daemon.stop() }
        let url = daemon.url
        let primd = try PrimdProcess(testbed: testbed, repo: url, poll: 1)
        defer { _ = primd.stop() }
        primd.waitFor("the first revision to be applied") { primd.status()?["last_applied_revision"] as? String != nil }
        let good = primd.status()?["last_applied_revision"] as? String
        try FileManager.default.createDirectory(
            atPath: "\(repo.work)/state/packages/beta", withIntermediateDirectories: true)
        XCTAssertEqual(
            try Command.run("/usr/bin/truncate", ["-s", "300M", "\(repo.work)/state/packages/beta/big.bin"]).status, 0)
        let big = try repo.commit([:], message: "a 300 MB file in beta's package")
        primd.waitForAttemptToEnd(big, "the large commit", timeout: 60)
        let message = primd.status()?["last_attempt_error"] as? String ?? ""
        XCTAssertTrue(message.contains("'packages/beta/big.bin' is 314572800 bytes, over the 64 MiB"), message)
        XCTAssertEqual(primd.status()?["last_applied_revision"] as? String, good)
        let peak = primd.peakKilobytes
        XCTAssertGreaterThan(peak, 0)
        XCTAssertLessThan(peak, 200 * 1024, "primd's peak memory stays far below the blob (\(peak) kB)")
    }

    /// A repository on this machine (a path, as pr.sh's local forge is) is followed in place, not
    /// fetched: 180 MB of new files in a push cost primd no memory before its refusals and digests.
    func testALocalRepositorysLargePushIsNotCopiedIntoMemory() throws {
        let testbed = try Testbed.up()
        defer { testbed.down() }
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "local-secret").status, 0)
        let repo = try StateRepository(files: ConvergedState.files())
        let primd = try PrimdProcess(testbed: testbed, repo: repo.bare, poll: 1)
        defer { _ = primd.stop() }
        primd.waitFor("the first revision to be applied") { primd.status()?["last_applied_revision"] as? String != nil }
        try FileManager.default.createDirectory(
            atPath: "\(repo.work)/state/packages/beta", withIntermediateDirectories: true)
        for index in 1...3 {
            // Random, so git cannot compress it away.
            XCTAssertEqual(
                try Command.shell("head -c 60000000 /dev/urandom > '\(repo.work)/state/packages/beta/blob\(index).bin'")
                    .status, 0)
        }
        let big = try repo.commit([:], message: "180 MB in beta's package")
        primd.waitFor("the large commit to be applied", timeout: 120) {
            primd.status()?["last_applied_revision"] as? String == big
        }
        let peak = primd.peakKilobytes
        XCTAssertGreaterThan(peak, 0)
        XCTAssertLessThan(peak, 250 * 1024, "primd's peak memory (\(peak) kB) holds at most one 60 MB file at a time")
    }
}
