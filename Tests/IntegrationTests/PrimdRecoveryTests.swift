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
        let pdns = pid_t(try String(contentsOfFile: "\(testbed.directory)/pdns.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
        XCTAssertEqual(kill(pdns, SIGSTOP), 0)
        var resumed = false
        defer { if !resumed { kill(pdns, SIGCONT) } }

        let added = try repo.commit(["prims/p2.yaml": "id: p2\nstatus: testing\nport: 3466\n"], message: "add p2 during an outage")
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
        primd.waitFor("p2 to be deployed after the outage", timeout: 60) { testbed.viaCaddy("p2.prim.test").1.contains("p2.sh") }
        primd.waitFor("the outage to leave the status") { primd.status()?["blocked"] == nil }
    }
}
