import Foundation
import PrimSystem
import XCTest

/// Several hosts from one repository (scripts/fleet-testbed: network namespaces on a bridge, one
/// PowerDNS, a client namespace resolving through it): each host converges its own prims, their
/// routes and their records, and the client reaches each prim on the host that runs it.
final class FleetTests: XCTestCase {
    func testTheQuickstartSplitOverTwoHostsIsServedByNameFromEachHost() throws {
        let fleet = try Fleet.up(hosts: 2)
        defer { fleet.down() }
        let state = try fleet.quickstart()
        defer { try? FileManager.default.removeItem(atPath: state) }
        for host in 1...2 {
            XCTAssertEqual(try fleet.primctl(host, ["secret", "set", "SEARCH_API_KEY"], input: "sk-fleet").status, 0)
            XCTAssertEqual(
                try fleet.primctl(host, ["secret", "set", "WALLET_INTERNAL_KEY"], input: "wk-fleet").status, 0)
            let applied = try fleet.primctl(host, ["apply", "--state", state, "--yes"])
            XCTAssertEqual(applied.status, 0, applied.stdout + applied.stderr)
        }
        for (prim, host) in [("search", 1), ("wallet", 1), ("store", 2)] {
            let (body, address) = try fleet.ask("\(prim).prim.test")
            XCTAssertEqual(body, "{\"service\": \"\(prim).sh\", \"status\": \"ok\"}", prim)
            XCTAssertEqual(address, fleet.address(host), "\(prim) is served by h\(host)")
        }
        // Each host runs only its own prims.
        let units = (1...2).map { host in
            Set(
                (try? FileManager.default.contentsOfDirectory(atPath: "\(fleet.directory)/h\(host)/systemd/unit-dir"))?
                    .filter { $0.hasPrefix("prim-") && $0.hasSuffix("@.service") } ?? [])
        }
        XCTAssertEqual(units[0], ["prim-search@.service", "prim-wallet@.service"])
        XCTAssertEqual(units[1], ["prim-store@.service"])
        // Each record is marked by the host that made it; the zone file's records by one host only.
        let sets = try PowerDNSAPI(fleet: fleet).rrsets("prim.test")
        XCTAssertEqual(sets["search.prim.test/A"]?.contents, [fleet.address(1)])
        XCTAssertEqual(sets["search.prim.test/A"]?.comments, ["prim host=h1 prim=search"])
        XCTAssertEqual(sets["store.prim.test/A"]?.contents, [fleet.address(2)])
        XCTAssertEqual(sets["store.prim.test/A"]?.comments, ["prim host=h2 prim=store"])
        XCTAssertEqual(sets["prim.test/TXT"]?.comments, ["prim host=h1 records=dns/prim.test.yaml"])
        // Neither host wants to change what the other made.
        for host in 1...2 {
            let diff = try fleet.primctl(host, ["diff", "--state", state])
            XCTAssertEqual(diff.status, 0, "h\(host): \(diff.stdout)")
        }
    }

    /// A prim moved by one commit, coordinated only through git and its DNS record: the host it
    /// goes to starts, gates and routes it, then takes the record; the host it leaves serves it
    /// until the record is the other's and its TTL (2 s here) and the margin have passed. A client
    /// asking by name every 20 ms sees no failed request, also when the host it goes to is down
    /// for a while (the move waits, the old host serving).
    func testAPrimMovesBetweenHostsWithNoFailedRequest() throws {
        let fleet = try Fleet.up(hosts: 2)
        defer { fleet.down() }
        var files = try fleet.quickstartFiles(ttl: 2)
        let repo = try StateRepository(files: files)
        for host in 1...2 {
            XCTAssertEqual(try fleet.primctl(host, ["secret", "set", "SEARCH_API_KEY"], input: "sk-fleet").status, 0)
            XCTAssertEqual(
                try fleet.primctl(host, ["secret", "set", "WALLET_INTERNAL_KEY"], input: "wk-fleet").status, 0)
        }
        let settings = "  drift_interval: 1\n"
        let h1 = try fleet.primd(1, repo: repo, extra: settings)
        defer { _ = h1.stop() }
        var h2 = try fleet.primd(2, repo: repo, extra: settings)
        defer { _ = h2.stop() }
        for primd in [h1, h2] {
            primd.waitFor("the first revision to be applied") {
                primd.status()?["last_applied_revision"] as? String != nil
            }
        }
        XCTAssertEqual(try fleet.ask("store.prim.test").address, fleet.address(2))
        let pdns = PowerDNSAPI(fleet: fleet)
        func record() -> (address: String?, mark: String?) {
            let set = (try? pdns.rrsets("prim.test"))?["store.prim.test/A"]
            return (set?.contents.first, set?.comments.first)
        }
        /// Whether the record points at `host` with its mark.
        func recordIs(_ host: Int) -> Bool {
            let now = record()
            return now.address == fleet.address(host) && now.mark == "prim host=h\(host) prim=store"
        }
        func runs(_ host: Int) -> Bool {
            FileManager.default.fileExists(atPath: "\(fleet.directory)/h\(host)/systemd/unit-dir/prim-store@.service")
        }
        let probe = fleet.probe("store.prim.test")
        var stopped = false
        defer { if !stopped { _ = probe() } }

        // h2 → h1, both hosts up.
        let started = Date()
        files["prims/store.yaml"] = files["prims/store.yaml"]!.replacingOccurrences(of: "host: h2", with: "host: h1")
        _ = try repo.commit(files, message: "Move store to h1")
        h2.waitFor("h2 to say store is moving", timeout: 30) {
            ((h2.status()?["blocked"] as? [[String: Any]]) ?? []).contains {
                ($0["message"] as? String ?? "").contains("prim 'store' is moving to h1")
            }
        }
        h1.waitFor("h1 to take store's record", timeout: 30) {
            recordIs(1)
        }
        XCTAssertTrue(runs(2), "h2 still serves store right after the switch")
        h2.waitFor("h2 to stop store once the TTL has passed", timeout: 60) { !runs(2) }
        let moved = Date().timeIntervalSince(started)
        XCTAssertTrue(runs(1))
        XCTAssertEqual(try fleet.ask("store.prim.test").address, fleet.address(1))
        print("move h2 -> h1: commit to the old host stopping it: \(String(format: "%.1f", moved)) s")

        // h1 → h2 with h2's primd down: the move waits, h1 serving, until h2 is back.
        XCTAssertEqual(h2.stop(), 0)
        files["prims/store.yaml"] = files["prims/store.yaml"]!.replacingOccurrences(of: "host: h1", with: "host: h2")
        let head = try repo.commit(files, message: "Move store back to h2")
        h1.waitForAttemptToEnd(head, "the move back")
        let waiting = ((h1.status()?["blocked"] as? [[String: Any]]) ?? []).compactMap { $0["message"] as? String }
        XCTAssertTrue(
            waiting.contains { $0.contains("prim 'store' is moving to h2: waiting for h2 to take its record") },
            "\(waiting)")
        XCTAssertTrue(runs(1), "h1 keeps serving store while h2 is down")
        XCTAssertEqual(record().mark, "prim host=h1 prim=store")
        // The fleet as h1's operator sees it: h2 down, h1 serving store while it waits.
        let view = try fleet.primctl(1, ["status", "--fleet", "--config", h1.config])
        XCTAssertEqual(view.status, 0, view.stderr)
        XCTAssertTrue(view.stdout.contains("h2  unreachable: "), view.stdout)
        XCTAssertTrue(
            view.stdout.contains("prim 'store' is moving to h2: waiting for h2 to take its record"), view.stdout)
        // And on h1's status page.
        let page = try HTTPClient.request("GET", h1.url + "/", timeout: 10).text
        XCTAssertTrue(page.contains("<tr class=\"fleet-host\" data-host=\"h2\">"), page)
        XCTAssertTrue(page.contains("<span class=\"badge bad\">unreachable</span>"), page)
        h2 = try fleet.primd(2, repo: repo, extra: settings)
        h2.waitFor("h2, back, to take store's record", timeout: 30) {
            recordIs(2)
        }
        h1.waitFor("h1 to stop store once the TTL has passed", timeout: 60) { !runs(1) }

        stopped = true
        let answers = probe()
        XCTAssertGreaterThan(answers.count, 100)
        XCTAssertEqual(answers.filter { !$0.hasPrefix("200 ") }, [], "no request failed across both moves")
        XCTAssertTrue(answers.contains("200 \(fleet.address(1))") && answers.contains("200 \(fleet.address(2))"))
        print(
            "moves: \(answers.count) requests by name from the client, \(answers.filter { !$0.hasPrefix("200 ") }.count) failed"
        )
    }

    /// An agent's new prim that names no host is placed by pr.sh on the host with the fewest
    /// prims (h2 runs one, h1 two), its PR says so, and it goes live there.
    func testAnAgentsNewPrimIsPlacedByPrshAndGoesLiveThere() throws {
        let fleet = try Fleet.up(hosts: 2)
        defer { fleet.down() }
        let repo = try StateRepository(files: try fleet.quickstartFiles(ttl: 2))
        for host in 1...2 {
            XCTAssertEqual(try fleet.primctl(host, ["secret", "set", "SEARCH_API_KEY"], input: "sk-fleet").status, 0)
            XCTAssertEqual(
                try fleet.primctl(host, ["secret", "set", "WALLET_INTERNAL_KEY"], input: "wk-fleet").status, 0)
        }
        let primds = try (1...2).map { try fleet.primd($0, repo: repo) }
        defer { for primd in primds { _ = primd.stop() } }
        for primd in primds {
            primd.waitFor("the first revision to be applied") {
                primd.status()?["last_applied_revision"] as? String != nil
            }
        }
        let prsh = try PrshProcess(repo: repo, extra: ["--follow-interval", "1"])
        defer { _ = prsh.stop() }
        let started = Date()
        let added = try prsh.open(["state/prims/gamma.yaml": Prims.yaml("gamma", port: 3420)], title: "Add gamma.sh")
        XCTAssertEqual(added.state, "merged", added.message)
        let comments = (added.json["comments"] as? [[String: Any]] ?? []).compactMap { $0["body"] as? String }
        XCTAssertTrue(comments.contains { $0.hasPrefix("placed prim 'gamma' on host h2") }, "\(comments)")
        XCTAssertTrue(try repo.file("state/prims/gamma.yaml").contains("deploy:\n  host: h2\n"))
        var answer = (body: "", address: "")
        primds[1].waitFor("gamma to answer by name from the client", timeout: 60) {
            answer = (try? fleet.ask("gamma.prim.test")) ?? answer
            return answer.body.hasPrefix("{")
        }
        XCTAssertEqual(answer.body, "{\"service\": \"gamma.sh\", \"status\": \"ok\"}")
        XCTAssertEqual(answer.address, fleet.address(2))
        // Both hosts in one view, from either: ready, at the same revision, each with its prims.
        let view = try fleet.primctl(1, ["status", "--fleet", "--format", "json", "--config", primds[0].config])
        let hosts = try XCTUnwrap(
            (try JSONSerialization.jsonObject(with: Data(view.stdout.utf8)) as? [String: Any])?["hosts"]
                as? [[String: Any]],
            view.stdout + view.stderr)
        XCTAssertEqual(hosts.map { $0["host"] as? String }, ["h1", "h2"])
        XCTAssertEqual(hosts.map { $0["ready"] as? Bool }, [true, true], "\(hosts)")
        XCTAssertEqual(Set(hosts.compactMap { $0["live_revision"] as? String }).count, 1)
        XCTAssertEqual((hosts[1]["prims"] as? [String: Bool])?.keys.sorted(), ["gamma", "store"])
        // pr.sh follows the PR on the host that runs gamma, asked at its control: URL.
        let deployment = try prsh.deployment(of: try XCTUnwrap(added.number))
        XCTAssertEqual(deployment["state"] as? String, "live", "\(deployment)")
        XCTAssertEqual(deployment["message"] as? String, "live on every host running its prims (h2)")
        print(
            "agent POST to gamma answering by name on the host pr.sh chose: \(String(format: "%.2f", Date().timeIntervalSince(started))) s"
        )
    }
}
