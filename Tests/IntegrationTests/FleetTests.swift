import Foundation
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
}
