import DNSReconciler
import PrimEngine
import PrimHost
import PrimModel
import PrimPlan
import XCTest

/// A prim moving between two hosts, planned on each: the host it goes to takes the other's record
/// after its route (a late change), the host it leaves keeps everything of the prim until the
/// record is the other's and its TTL and the margin have passed.
final class DNSMovesTests: XCTestCase {
    static let files = [
        "hosts/h1.yaml": "address: 192.0.2.1\ndomain: prim.test\nrun: /bin/true\n",
        "hosts/h2.yaml": "address: 192.0.2.2\ndomain: prim.test\nrun: /bin/true\n",
        "dns/prim.test.yaml": "provider: powerdns\nttl: 2\n",
        "prims/store.yaml": "id: store\nstatus: testing\nport: 3001\ndeploy:\n  host: h2\n",
    ]

    func desired(on host: String, scheme: CaddyScheme = .http, tls: TLSSettings? = nil) throws -> DesiredHost {
        let result = StateLoader.load(StateSnapshot(entries: Self.files.mapValues { .file(Array($0.utf8)) }))
        XCTAssertEqual(result.errors, [])
        var config = HostConfig()
        config.dnsProvider = .powerdns
        config.caddyScheme = scheme
        config.tls = tls
        let target = try DesiredBuilder.host(result.state, named: host)
        return try Kinds.registry.desire(
            result.state, host: target, config: config,
            built: DesiredBuilder.build(result.state, host: target, config: config, secrets: [:]))
    }

    /// store's record at the provider: pointing at `address`, marked by `host`.
    func record(
        _ address: String, by host: String, owned: Bool, seen: Double? = nil, at now: Double? = nil
    )
        -> ObservedResource
    {
        let set = RRset(name: "store.prim.test", type: "A", ttl: 2, contents: [address])
        var attributes = [
            "zone": "prim.test", "ttl": "2", "contents": address, "marker": "prim host=\(host) prim=store",
        ]
        if let seen, let now {
            attributes["moved_seen"] = String(seen)
            attributes["observed_at"] = String(now)
        }
        return ObservedResource(
            address: set.address, path: "prim.test", content: set.text, digest: Digest.sha256(set.text), owned: owned,
            prim: owned ? "store" : nil, keys: [set.name], attributes: attributes)
    }

    func plan(_ desired: DesiredHost, _ live: [ObservedResource]) -> Plan {
        Planner.plan(desired: desired, observed: ObservedState(resources: live), kinds: [DNSReconciler()])
    }

    func testTheHostItGoesToTakesTheRecordAfterItsRoute() throws {
        let plan = plan(try desired(on: "h2"), [record("192.0.2.1", by: "h1", owned: false)])
        XCTAssertEqual(plan.blocked, [], "the other host's record of the same prim is not in the way")
        let change = try XCTUnwrap(plan.changes.first { $0.address.name == "store.prim.test/A" })
        XCTAssertEqual(change.action, .update)
        XCTAssertTrue(change.late, "written after Caddy here routes the prim")
        XCTAssertTrue(change.adopts)
        XCTAssertEqual(change.reason?.message.hasPrefix("prim 'store' moves here from h1"), true)
    }

    func testOverHTTPSTheMoveWaitsForACertificateThatCoversTheName() throws {
        let live = [record("192.0.2.1", by: "h1", owned: false)]
        let waits = plan(try desired(on: "h2", scheme: .https), live)
        XCTAssertEqual(waits.blocked.map(\.prim), ["store"])
        XCTAssertTrue(waits.blocked[0].message.contains("list the name in tls.certificates"), waits.blocked[0].message)
        var tls = TLSSettings()
        tls.certificates = [.init(names: ["*.prim.test"])]
        let goes = plan(try desired(on: "h2", scheme: .https, tls: tls), live)
        XCTAssertEqual(goes.blocked, [])
        XCTAssertEqual(goes.pending.map(\.late), [true])
    }

    func testARecordOfAnotherPrimIsStillInTheWay() throws {
        var other = record("192.0.2.1", by: "h1", owned: false)
        other.attributes["marker"] = "prim host=h1 prim=search"
        XCTAssertEqual(plan(try desired(on: "h2"), [other]).blocked.map(\.prim), ["store"])
    }

    func testTheHostItLeavesServesItUntilTheRecordIsTheOthersAndTheTTLHasPassed() throws {
        let leaving = try desired(on: "h1")
        XCTAssertEqual(
            leaving.departing["store"],
            .init(host: "h2", name: "store.prim.test", ttl: 2, zoneProvider: "powerdns", hostProvider: "powerdns"))
        let unit = ObservedResource(address: ResourceNames.unit("store"), content: "", digest: "", prim: "store")
        let ours = plan(leaving, [record("192.0.2.1", by: "h1", owned: true)])
        XCTAssertEqual(
            ours.blocked.first?.message.hasPrefix(
                "prim 'store' is moving to h2: waiting for h2 to take its record store.prim.test"), true)
        XCTAssertEqual(ours.pending, [], "nothing of store is removed, its record least of all")

        let taken = plan(leaving, [unit, record("192.0.2.2", by: "h2", owned: false, seen: 100, at: 103)])
        XCTAssertEqual(
            taken.blocked.first?.message.hasPrefix("prim 'store' is moving to h2: waiting for DNS, 4 s left"), true)
        let over = plan(leaving, [unit, record("192.0.2.2", by: "h2", owned: false, seen: 100, at: 108)])
        XCTAssertEqual(over.blocked, [], "TTL 2 s and the 5 s margin have passed: store goes")
        XCTAssertEqual(over.moved, ["store"])
        XCTAssertEqual(
            over.pending.filter { $0.address.kind == .dnsRecord }, [], "the record, h2's now, is never deleted here")

        // What cannot be seen holds the move: no record at all, or a provider that does not answer.
        let unseen = plan(leaving, [unit])
        XCTAssertEqual(
            unseen.blocked.first?.message.contains("waiting for its record store.prim.test to point at h2"), true)
        XCTAssertEqual(unseen.moved, [])
        let outage = ObservedResource(
            address: ResourceAddress(ResourceKind("dns_server_zone"), "(unavailable)"), content: "down", digest: "")
        XCTAssertEqual(plan(leaving, [unit, outage]).blocked.first?.message.contains("did not answer"), true)
        // A prim this host never ran is not held.
        XCTAssertEqual(plan(leaving, [record("192.0.2.2", by: "h2", owned: false, seen: 100, at: 101)]).blocked, [])
    }
}
