import CaddyReconciler
import DNSReconciler
import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem
import XCTest

@testable import CertificateReconciler

/// A zone's rrsets held in memory, changed by batches as a provider changes them (all or nothing).
final class ZoneInMemory: DNSProvider, @unchecked Sendable {
    var sets: [RRset]
    var batches = 0
    init(_ sets: [RRset]) { self.sets = sets }
    func zones() throws -> [String] { ["prim.test"] }
    func list(zone: String) throws -> [RRset] { sets }
    func apply(zone: String, _ batch: DNSBatch) throws {
        batches += 1
        sets.removeAll { set in batch.deletes.contains { $0.address == set.address } }
        for var set in batch.replaces {
            let kept = sets.first { $0.address == set.address }?.marker
            sets.removeAll { $0.address == set.address }
            set.marker = batch.keepMarks.contains(set.address.name) ? kept : batch.markers[set.address.name]
            sets.append(set)
        }
    }
}

/// The certificates' kind without a CA: its plan (issue, renew, wait after a failure), the DNS-01
/// records beside someone else's, and Caddy's side (the sites that load it, the load after it changes).
final class CertificateKindTests: XCTestCase {
    let day = 86_400.0

    func desired(names: [String] = ["*.prim.test", "prim.test"], renewBefore: Int? = nil) -> DesiredResource {
        var attributes = [
            CertificatePlanning.namesAttribute: names.joined(separator: ","),
            CertificatePlanning.directoryAttribute: "https://ca.test/dir",
        ]
        if let renewBefore { attributes[CertificatePlanning.renewBeforeAttribute] = String(renewBefore) }
        return DesiredResource(
            address: ResourceAddress(.certificate, names[0]), prim: nil, path: "/tls/live/_.prim.test.pem",
            content: "names", keys: names, attributes: attributes)
    }

    /// A stored certificate of 90 days, `left` days before it expires.
    func live(
        names: [String] = ["*.prim.test", "prim.test"], left: Double, directory: String = "https://ca.test/dir",
        retryIn: Double? = nil
    ) -> ObservedResource {
        let now = 1_000_000_000.0
        var attributes = [
            CertificatePlanning.observedAtAttribute: String(now),
            CertificatePlanning.notAfterAttribute: String(now + left * day),
            CertificatePlanning.notBeforeAttribute: String(now + left * day - 90 * day),
            CertificatePlanning.directoryAttribute: directory,
        ]
        if let retryIn {
            attributes[CertificatePlanning.retryAfterAttribute] = String(now + retryIn)
            attributes[CertificatePlanning.failuresAttribute] = "2"
            attributes[CertificatePlanning.lastErrorAttribute] = "the CA could not validate prim.test"
        }
        return ObservedResource(
            address: ResourceAddress(.certificate, names[0]), content: "names", digest: "", keys: names,
            attributes: attributes)
    }

    func decide(_ desired: DesiredResource, _ live: ObservedResource?) -> (Action, String?, String?) {
        let change = CertificatePlanning.decide(desired, live)
        return (change.action, change.verb, change.reason?.code)
    }

    func testACertificateNotStoredIsIssued() {
        XCTAssertTrue(decide(desired(), nil) == (.create, "issued", "issue"))
    }

    func testACertificateIsRenewedWhenAThirdOfItsLifetimeIsLeft() {
        XCTAssertTrue(decide(desired(), live(left: 31)) == (.noop, nil, nil))
        XCTAssertTrue(decide(desired(), live(left: 29)) == (.update, "renewed", "renew"))
        let change = CertificatePlanning.decide(desired(), live(left: 12))
        XCTAssertEqual(change.reason?.message, "expires in 12 days")
    }

    func testRenewBeforeOverridesTheThird() {
        XCTAssertTrue(decide(desired(renewBefore: Int(100 * day)), live(left: 89)) == (.update, "renewed", "renew"))
        XCTAssertTrue(decide(desired(renewBefore: Int(7 * day)), live(left: 8)) == (.noop, nil, nil))
    }

    func testOtherNamesOrAnotherCAIssueAgain() {
        XCTAssertTrue(decide(desired(), live(names: ["*.prim.test"], left: 80)) == (.update, "issued", "names-changed"))
        XCTAssertTrue(
            decide(desired(), live(left: 80, directory: "https://old.test/dir")) == (.update, "issued", "ca-changed"))
    }

    func testADueRenewalWaitsOutTheBackoffAndThePlanSaysWhy() {
        XCTAssertTrue(decide(desired(), live(left: 10, retryIn: 600)) == (.noop, nil, nil))
        XCTAssertTrue(decide(desired(), live(left: 10, retryIn: -1)) == (.update, "renewed", "renew"))
        let notes = CertificateReconciler().notes([], ObservedState(resources: [live(left: 10, retryIn: 600)]))
        XCTAssertEqual(
            notes,
            [
                "certificate *.prim.test: 2 orders failed (the CA could not validate prim.test); the next try is in 10 min; the current one keeps serving (expires in 10 days)"
            ])
    }

    func testTheBackoffDoublesFromFiveMinutesToADay() {
        XCTAssertEqual(
            (1...10).map { IssuanceRecord.backoff(failures: $0) },
            [300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 76800, 86400])
    }

    func testAStoredCertificateNothingAsksForIsRemoved() {
        var stored = live(left: 50)
        stored.owned = true
        let plan = CertificateReconciler().plan(
            KindPlanInput(desired: DesiredHost(host: "h", resources: []), observed: ObservedState(resources: [stored])))
        XCTAssertEqual(plan.map(\.action), [.delete])
    }

    func testChallengeValuesGoBesideAForeignRecordAndLeaveItAsItWas() throws {
        let foreign = RRset(
            name: "_acme-challenge.prim.test", type: "TXT", ttl: 300, contents: ["\"someone else's\""],
            marker: "their own mark")
        let zone = ZoneInMemory([foreign])
        let records = ChallengeRecords(provider: zone, server: "127.0.0.1:53", host: "h", certificate: "*.prim.test")
        let pending = [
            IssuanceRecord.PendingRecord(zone: "prim.test", name: "_acme-challenge.prim.test", value: "one"),
            IssuanceRecord.PendingRecord(zone: "prim.test", name: "_acme-challenge.prim.test", value: "two"),
            IssuanceRecord.PendingRecord(zone: "prim.test", name: "_acme-challenge.www.prim.test", value: "three"),
        ]
        try records.present(pending)
        XCTAssertEqual(zone.batches, 1, "one batch for the zone")
        let shared = try XCTUnwrap(zone.sets.first { $0.name == "_acme-challenge.prim.test" })
        XCTAssertEqual(shared.contents, ["\"one\"", "\"someone else's\"", "\"two\""])
        XCTAssertEqual(shared.marker, "their own mark", "someone else's rrset keeps its mark")
        XCTAssertEqual(shared.ttl, 300)
        let own = try XCTUnwrap(zone.sets.first { $0.name == "_acme-challenge.www.prim.test" })
        XCTAssertEqual(own.marker, "prim host=h acme=*.prim.test")

        try records.remove(pending)
        XCTAssertEqual(zone.sets, [foreign], "the foreign record as it was; prim's own rrset gone")
    }

    /// Each prim's route as the routes' kind renders it for a host config.
    func routes(_ config: HostConfig) throws -> [String: String] {
        let files = [
            "hosts/h.yaml": "address: 203.0.113.10\ndomain: prim.test\nrun: /bin/true\n",
            "prims/search.yaml": "id: search\nstatus: testing\nport: 3001\n",
            "prims/other.yaml": "id: other\nstatus: testing\nport: 3002\nendpoint: other.example.com\n",
        ]
        let result = StateLoader.load(StateSnapshot(entries: files.mapValues { .file(Array($0.utf8)) }))
        XCTAssertEqual(result.errors, [])
        let host = try DesiredBuilder.host(result.state, named: nil)
        let desired = try KindRegistry([CaddyRouteReconciler()]).build(
            result.state, host: host, config: config, secrets: [:])
        return Dictionary(
            desired.resources.filter { $0.address.kind == .caddyFragment }.map { ($0.prim ?? "", $0.content) }
        ) { a, _ in a }
    }

    func testCoveredSitesLoadTheStoreAndOthersAreLeftToCaddy() throws {
        var config = HostConfig()
        let plain = try routes(config)
        var tls = TLSSettings()
        tls.store = "/etc/prim/tls"
        tls.certificates = [.init(names: ["*.prim.test", "prim.test"])]
        config.tls = tls
        let covered = try routes(config)
        XCTAssertTrue(
            covered["search"]!.contains(
                "search.prim.test {\n\timport security_headers\n\ttls {\n\t\tload /etc/prim/tls/live\n\t}\n"),
            covered["search"]!)
        XCTAssertEqual(
            covered["other"], plain["other"], "a name the certificate does not cover: Caddy's own issuance, as before")
        XCTAssertFalse(plain["search"]!.contains("tls {"), "no certificates: the route as before")
        config.caddyScheme = .http
        XCTAssertFalse(try routes(config)["search"]!.contains("tls {"), "plain http serves no certificate")
    }

    func testCaddyLoadsAgainAfterACertificateChanges() {
        var renewal = Change(
            address: ResourceAddress(.certificate, "*.prim.test"), prim: nil, path: "p", action: .update)
        renewal.verb = "renewed"
        let config = DesiredResource(address: ResourceNames.caddyConfig, prim: nil, path: "admin", content: "")
        let running = ObservedResource(address: ResourceNames.caddyConfig, content: nil, digest: "")
        let input = KindPlanInput(
            desired: DesiredHost(host: "h", resources: [config]), observed: ObservedState(resources: [running]),
            earlier: [renewal])
        let plan = CaddyConfigReconciler().plan(input)
        XCTAssertEqual(plan.map(\.action), [.reload])
        XCTAssertEqual(plan.first?.reason?.code, "certificate-changed")
        let quiet = KindPlanInput(
            desired: input.desired, observed: input.observed,
            earlier: [Change(address: renewal.address, prim: nil, path: "p", action: .noop)])
        XCTAssertEqual(CaddyConfigReconciler().plan(quiet).map(\.action), [.noop])
    }
}
