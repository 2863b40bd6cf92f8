import Foundation
import PrimSystem
import XCTest

/// primd's and pr.sh's listeners are bounded: a flood of half-sent requests neither hangs
/// `/healthz` nor starves the fetch and the apply of descriptors, and a huge header is refused.
final class ListenerLimitsTests: XCTestCase {
    func testHalfSentRequestsNeitherHangHealthzNorStarveTheApply() throws {
        let testbed = try Testbed.up()
        defer { testbed.down() }
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "listener-secret").status, 0)
        let repo = try StateRepository(files: ConvergedState.files())
        // systemd's default descriptor limit, which 1,100 connections exceed.
        let primd = try PrimdProcess(testbed: testbed, repo: "file://\(repo.bare)", poll: 1, fileLimit: 1024)
        defer { _ = primd.stop() }
        primd.waitFor("the first revision to be applied") { primd.status()?["last_applied_revision"] as? String != nil }

        let flood = SlowClients(count: 1100, port: primd.port)
        XCTAssertGreaterThan(flood.sockets.count, 1000, "the flood connected")
        let healthz = try HTTPClient.request("GET", primd.url + "/healthz", timeout: 5)
        XCTAssertEqual(healthz.status, 200)
        XCTAssertEqual(healthz.text, "ok\n")
        let next = try repo.commit(
            ["prims/gamma.yaml": "id: gamma\nstatus: testing\nport: 3265\n"], message: "add gamma under a flood")
        primd.waitFor("the commit to be applied under the flood", timeout: 40) {
            primd.status()?["last_applied_revision"] as? String == next
        }
        XCTAssertFalse(primd.stderr.contains("Too many open files"), primd.stderr.suffix(2000).description)
        XCTAssertEqual(
            SlowClients.hugeHeader(port: primd.port, bytes: 8 << 20, seconds: 5) == "no answer", false,
            "an 8 MiB header is answered or closed")
        // Each half-sent request is closed after the header deadline (10 s).
        primd.waitFor("the half-sent requests to be closed", timeout: 20) {
            flood.closedByServer() == flood.sockets.count
        }
    }

    /// Requests whose head arrived but whose body trickles in hold no slot a new client cannot take.
    func testTrickledBodiesDoNotStarveHealthz() throws {
        let testbed = try Testbed.up()
        defer { testbed.down() }
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "listener-secret").status, 0)
        let repo = try StateRepository(files: ConvergedState.files())
        let primd = try PrimdProcess(testbed: testbed, repo: "file://\(repo.bare)", secret: "hook-secret", poll: 1)
        defer { _ = primd.stop() }
        primd.waitFor("the first revision to be applied") { primd.status()?["last_applied_revision"] as? String != nil }
        let trickle = SlowClients(
            count: 300, port: primd.port,
            prefix: "POST /hooks/git HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n{")
        XCTAssertGreaterThan(trickle.sockets.count, 280)
        let healthz = try HTTPClient.request("GET", primd.url + "/healthz", timeout: 5)
        XCTAssertEqual(healthz.text, "ok\n")
    }

    func testPrshSharesTheLimits() throws {
        let repo = try StateRepository(files: ConvergedState.files())
        let prsh = try PrshProcess(repo: repo)
        defer { _ = prsh.stop() }
        let port = Int(prsh.url.split(separator: ":").last!)!
        let flood = SlowClients(count: 600, port: port)
        XCTAssertGreaterThan(flood.sockets.count, 500)
        let root = try HTTPClient.request("GET", prsh.url + "/", timeout: 5)
        XCTAssertEqual(root.text.filter { !$0.isWhitespace }, #"{"service":"pr.sh","status":"ok"}"#)
        XCTAssertNotEqual(SlowClients.hugeHeader(port: port, bytes: 8 << 20, seconds: 5), "no answer")
        // Past the cap (256) the longest-waiting connections were closed at once; the rest after the header deadline.
        let started = Date()
        while flood.closedByServer() < flood.sockets.count && Date().timeIntervalSince(started) < 20 { usleep(200_000) }
        XCTAssertEqual(flood.closedByServer(), flood.sockets.count, "every half-sent request is closed")
    }
}
