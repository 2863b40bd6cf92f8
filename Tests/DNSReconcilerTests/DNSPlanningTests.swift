import DNSReconciler
import PrimEngine
import PrimHost
import PrimModel
import PrimPlan
import PrimSystem
import XCTest

/// The DNS kind's pure half: records rendered from the state, compared with what the provider
/// holds (ownership, conflicts, adopt), the delete guard and which deletions go with the creations.
final class DNSPlanningTests: XCTestCase {
    func state(_ files: [String: String]) -> DesiredState {
        let result = StateLoader.load(StateSnapshot(entries: files.mapValues { .file(Array($0.utf8)) }))
        XCTAssertEqual(result.errors, [], "\(result.errors)")
        return result.state
    }

    static let base = [
        "hosts/h.yaml": "address: 203.0.113.10\naddress6: 2001:DB8:0:0::10\ndomain: prim.test\nrun: /bin/true\n",
        "dns/prim.test.yaml":
            "provider: powerdns\nttl: 120\nrecords:\n  - { name: \"@\", type: TXT, content: '\"v=spf1 -all\"' }\n  - { name: mail, type: MX, content: \"10 mx.example.net\" }\n",
        "prims/search.yaml": "id: search\nstatus: testing\nport: 3001\n",
        "prims/store.yaml": "id: store\nstatus: hold\nport: 3002\n",
        "prims/idea.yaml": "id: idea\nstatus: idea\nport: 3003\n",
    ]

    func desired(_ files: [String: String] = base, adopt: Bool = false) throws -> DesiredHost {
        let state = state(files)
        var config = HostConfig()
        config.dnsProvider = .powerdns
        config.dnsAdopt = adopt
        let host = try DesiredBuilder.host(state, named: nil)
        return try Kinds.registry.desire(
            state, host: host, config: config,
            built: DesiredBuilder.build(state, host: host, config: config, secrets: [:]))
    }

    func records(_ desired: DesiredHost) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: desired.resources.filter { $0.address.kind == .dnsRecord }.map {
                ($0.address.name, $0.content)
            })
    }

    func plan(_ desired: DesiredHost, _ live: [ObservedResource]) -> Plan {
        Planner.plan(
            desired: desired,
            observed: ObservedState(
                resources: live
                    + ObservedState(assumingApplied: desired, kinds: Kinds.planners)
                    .resources.values.filter { $0.address.kind != .dnsRecord }), kinds: Kinds.planners)
    }

    /// A live rrset as the provider lists it, marked as this host's (or not).
    func live(
        _ name: String, _ type: String, _ contents: [String], ttl: Int = 120, owner prim: String? = nil,
        owned: Bool = true
    ) -> ObservedResource {
        let set = RRset(name: name, type: type, ttl: ttl, contents: contents)
        return ObservedResource(
            address: set.address, path: "prim.test", content: set.text, digest: Digest.sha256(set.text), owned: owned,
            prim: owned ? prim : nil, keys: [set.name], attributes: ["contents": set.contents.joined(separator: "\n")])
    }

    func pending(_ plan: Plan) -> [String] {
        plan.pending.filter { $0.address.kind == .dnsRecord }.map { "\($0.action.rawValue) \($0.address.name)" }
    }

    func testEveryDeployedPrimGetsAAndAAAAInItsZoneBesideTheZoneFilesRecords() throws {
        let records = records(try desired())
        XCTAssertEqual(
            records.keys.sorted(),
            [
                "mail.prim.test/MX", "prim.test/TXT", "search.prim.test/A", "search.prim.test/AAAA",
                "store.prim.test/A", "store.prim.test/AAAA",
            ], "hold keeps its records; idea has none")
        XCTAssertEqual(records["search.prim.test/A"], "search.prim.test. 120 IN A 203.0.113.10\n", "the zone's TTL")
        XCTAssertEqual(
            records["search.prim.test/AAAA"], "search.prim.test. 120 IN AAAA 2001:db8::10\n",
            "canonical IPv6, as PowerDNS stores it")
        XCTAssertEqual(
            records["mail.prim.test/MX"], "mail.prim.test. 120 IN MX 10 mx.example.net.\n", "targets made absolute")
    }

    func testNoProviderNoRecords() throws {
        let state = state(Self.base)
        let host = try DesiredBuilder.host(state, named: nil)
        let built = DesiredBuilder.build(state, host: host, config: HostConfig(), secrets: [:])
        XCTAssertTrue(
            try Kinds.registry.desire(state, host: host, config: HostConfig(), built: built).resources.allSatisfy {
                $0.address.kind != .dnsRecord
            })
    }

    func testConvergedRecordsPlanNothingAndAChangedOneOneUpdate() throws {
        let desired = try desired()
        let converged = desired.resources.filter { $0.address.kind == .dnsRecord }.map {
            ObservedResource(
                address: $0.address, path: $0.path, content: $0.content, digest: $0.digest, prim: $0.prim, keys: $0.keys
            )
        }
        XCTAssertEqual(pending(plan(desired, converged)), [])
        var drifted = converged.filter { $0.address.name != "search.prim.test/A" }
        drifted.append(live("search.prim.test", "A", ["10.6.6.6"], owner: "search"))
        XCTAssertEqual(pending(plan(desired, drifted)), ["update search.prim.test/A"])
    }

    func testAForeignRecordAtAPrimsNameBlocksOnlyThatPrimUnlessAdopted() throws {
        let foreign = live("search.prim.test", "A", ["10.9.9.9"], owned: false)
        let blocked = plan(try desired(), [foreign])
        XCTAssertEqual(blocked.blocked.map(\.prim), ["search"])
        XCTAssertTrue(blocked.blocked[0].message.contains("search.prim.test/A (10.9.9.9)"), blocked.blocked[0].message)
        XCTAssertFalse(blocked.pending.contains { $0.prim == "search" }, "nothing of search is planned")
        XCTAssertTrue(pending(blocked).contains("create store.prim.test/A"), "the others proceed")

        let adopted = plan(try desired(adopt: true), [foreign])
        XCTAssertEqual(adopted.blocked, [])
        let change = try XCTUnwrap(adopted.changes.first { $0.address.name == "search.prim.test/A" })
        XCTAssertEqual([change.action.rawValue, change.reason?.code], ["update", "adopt"])
        XCTAssertTrue(change.adopts, "the apply reads the field, not the reason")
        XCTAssertFalse(adopted.changes.contains { $0.adopts && $0.address.name != "search.prim.test/A" })
    }

    func testAForeignCNAMEConflictsWithEveryTypeAndAForeignRecordOfAnotherTypeWithNone() throws {
        XCTAssertEqual(
            plan(try desired(), [live("search.prim.test", "CNAME", ["elsewhere.example."], owned: false)]).blocked.map(
                \.prim), ["search"])
        XCTAssertEqual(
            plan(try desired(), [live("search.prim.test", "TXT", ["\"hello\""], owned: false)]).blocked.map(\.prim), [])
        // Adopting over a foreign CNAME deletes it, in the same batch as the new records.
        let adopted = plan(
            try desired(adopt: true), [live("search.prim.test", "CNAME", ["elsewhere.example."], owned: false)])
        let delete = try XCTUnwrap(adopted.changes.first { $0.address.name == "search.prim.test/CNAME" })
        XCTAssertEqual(delete.action, .delete)
        XCTAssertTrue(DNSReconciler().removesEarly(delete, in: adopted))
    }

    func testARecordThatChangesHandsIsRemarked() throws {
        let desired = try desired()
        let live = desired.resources.filter { $0.address.kind == .dnsRecord }.map {
            ObservedResource(
                address: $0.address, path: $0.path, content: $0.content, digest: $0.digest,
                prim: $0.address.name == "search.prim.test/A" ? "old-owner" : $0.prim, keys: $0.keys)
        }
        let change = try XCTUnwrap(plan(desired, live).changes.first { $0.address.name == "search.prim.test/A" })
        XCTAssertEqual([change.action.rawValue, change.reason?.code], ["update", "owner-changed"])
    }

    func testANameBelowAZoneTheServerHoldsButTheStateDoesNotIsBlocked() throws {
        var files = Self.base
        files["prims/deep.yaml"] = "id: deep\nstatus: testing\nport: 3004\nendpoint: deep.sub.prim.test\n"
        let child = ObservedResource(
            address: ResourceAddress(ResourceKind("dns_server_zone"), "sub.prim.test"), content: nil, digest: "")
        let plan = plan(try desired(files), [child])
        XCTAssertEqual(plan.blocked.map(\.prim), ["deep"])
        XCTAssertTrue(
            plan.blocked[0].message.contains("deep.sub.prim.test/A is in zone sub.prim.test on the DNS server"),
            plan.blocked[0].message)
        XCTAssertTrue(pending(plan).contains("create search.prim.test/A"))
    }

    /// An NS rrset below the apex at the provider that dns/ does not declare delegates the name away:
    /// the prim is blocked, as below a zone the server holds; one dns/ declares is the operator's.
    func testANameBelowAnUndeclaredDelegationIsBlocked() throws {
        var files = Self.base
        files["prims/deep.yaml"] = "id: deep\nstatus: testing\nport: 3004\nendpoint: deep.sub.prim.test\n"
        let delegation = ObservedResource(
            address: ResourceAddress(ResourceKind("dns_record"), "sub.prim.test/NS"), path: "prim.test",
            content: "ns1.elsewhere.example.", digest: "x", owned: false)
        let plan = plan(try desired(files), [delegation])
        XCTAssertEqual(plan.blocked.map(\.prim), ["deep"])
        XCTAssertTrue(
            plan.blocked[0].message.contains(
                "deep.sub.prim.test/A is delegated to other name servers by the NS record of sub.prim.test"),
            plan.blocked[0].message)
        let apex = ObservedResource(
            address: ResourceAddress(ResourceKind("dns_record"), "prim.test/NS"), path: "prim.test",
            content: "ns1.prim.test.", digest: "y", owned: false)
        XCTAssertEqual(
            self.plan(try desired(files), [apex]).blocked.map(\.prim), [], "the apex's own NS delegates nothing")
    }

    func testRecordsPrimDidNotCreateAreNeverDeleted() throws {
        let plan = plan(
            try desired(),
            [
                live("foreign.prim.test", "A", ["10.0.0.1"], owned: false),
                live("old.prim.test", "A", ["10.0.0.2"], owner: "old"),
            ])
        XCTAssertTrue(pending(plan).contains("delete old.prim.test/A"))
        XCTAssertFalse(pending(plan).contains { $0.contains("foreign") })
    }

    func testARemovedPrimsRecordGoesAfterTheRoutesAndASwapInOneBatch() throws {
        let desired = try desired()
        let removed = plan(desired, [live("old.prim.test", "A", ["10.0.0.2"], owner: "old")])
        let delete = try XCTUnwrap(removed.changes.first { $0.address.name == "old.prim.test/A" })
        XCTAssertFalse(DNSReconciler().removesEarly(delete, in: removed), "its route is dropped first")
        var swapped = Self.base
        swapped["dns/prim.test.yaml"] =
            "provider: powerdns\nrecords:\n  - { name: www, type: CNAME, content: search.prim.test. }\n"
        let swap = plan(try self.desired(swapped), [live("www.prim.test", "A", ["10.0.0.3"])])
        let old = try XCTUnwrap(swap.changes.first { $0.address.name == "www.prim.test/A" })
        XCTAssertEqual(old.action, .delete)
        XCTAssertTrue(
            DNSReconciler().removesEarly(old, in: swap), "A→CNAME: the delete goes in the same batch as the create")
    }

    func testTheDeleteGuard() {
        func changes(owned: Int, deleted: Int, added: Int = 0) -> [Change] {
            (0..<owned).map { index in
                Change(
                    address: ResourceAddress(.dnsRecord, "r\(index).prim.test/A"), prim: nil, path: "prim.test",
                    action: index < deleted ? .delete : .noop)
            }
                + (0..<added).map {
                    Change(
                        address: ResourceAddress(.dnsRecord, "n\($0).prim.test/A"), prim: nil, path: "prim.test",
                        action: .create)
                }
        }
        XCTAssertNil(DNSDeleteGuard.refusal(changes(owned: 5, deleted: 3)), "three is always allowed")
        XCTAssertNotNil(DNSDeleteGuard.refusal(changes(owned: 5, deleted: 4)), "four of five is refused")
        XCTAssertNotNil(DNSDeleteGuard.refusal(changes(owned: 2, deleted: 2)), "all of them is refused")
        XCTAssertNil(
            DNSDeleteGuard.refusal(changes(owned: 1, deleted: 1, added: 1)),
            "renaming a zone's only record is not emptying it")
        XCTAssertNil(DNSDeleteGuard.refusal(changes(owned: 100, deleted: 30)))
        XCTAssertNotNil(DNSDeleteGuard.refusal(changes(owned: 100, deleted: 31)))
        XCTAssertNil(DNSDeleteGuard.refusal(changes(owned: 0, deleted: 0, added: 10)), "creations never count")
        let message = DNSDeleteGuard.refusal(changes(owned: 5, deleted: 4))?.message ?? ""
        XCTAssertTrue(message.contains("4 of the 5 records prim manages in zone prim.test"), message)
        XCTAssertTrue(message.contains("--allow-dns-deletes"), message)
    }
}
