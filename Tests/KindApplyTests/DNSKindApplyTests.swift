import DNSReconciler
import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem
import PrimTestSupport
import XCTest

/// A DNS provider that holds nothing: it records each batch, and rejects them when told to (as a
/// provider rejects a batch: nothing of it is written).
final class RecordingDNSProvider: DNSProvider, @unchecked Sendable {
    var batches: [(zone: String, batch: DNSBatch)] = []
    var reject = false

    func zones() throws -> [String] { ["prim.test"] }
    func list(zone: String) throws -> [RRset] { [] }

    func apply(zone: String, _ batch: DNSBatch) throws {
        if reject { throw SystemError("the provider rejected the batch (a fake told to)") }
        batches.append((zone, batch))
    }
}

/// The DNS records' kind, applied on a fake provider: one batch per zone, what the inventory then
/// holds, and a rejected batch.
final class DNSKindApplyTests: XCTestCase {
    let dns = DNSReconciler()

    func desired(prims: [String]) throws -> DesiredHost {
        var files = [
            "hosts/h.yaml": "address: 203.0.113.10\ndomain: prim.test\nrun: /bin/true\n",
            "dns/prim.test.yaml": "provider: powerdns\nttl: 120\n",
        ]
        for (index, prim) in prims.enumerated() {
            files["prims/\(prim).yaml"] = "id: \(prim)\nstatus: testing\nport: \(3001 + index)\n"
        }
        let result = StateLoader.load(StateSnapshot(entries: files.mapValues { .file(Array($0.utf8)) }))
        XCTAssertEqual(result.errors, [])
        var config = HostConfig()
        config.dnsProvider = .powerdns
        let host = try DesiredBuilder.host(result.state, named: nil)
        let all = try KindRegistry([dns]).build(result.state, host: host, config: config, secrets: [:])
        return DesiredHost(host: all.host, resources: all.resources.filter { $0.address.kind == .dnsRecord })
    }

    func live(_ name: String, _ contents: [String], owner prim: String) -> ObservedResource {
        let set = RRset(name: name, type: "A", ttl: 120, contents: contents)
        return ObservedResource(
            address: set.address, path: "prim.test", content: set.text, digest: Digest.sha256(set.text), owned: true,
            prim: prim, keys: [set.name], attributes: ["contents": contents.joined(separator: "\n")])
    }

    func harness(_ provider: RecordingDNSProvider) throws -> KindHarness {
        let harness = try KindHarness()
        harness.config.dnsProvider = .powerdns
        harness.drivers.other[.dnsRecord] = provider
        return harness
    }

    func testNewRecordsGoInOneBatchForTheirZone() throws {
        let provider = RecordingDNSProvider()
        let harness = try harness(provider)
        let desired = try desired(prims: ["alpha", "beta"])
        let plan = harness.plan([dns], desired: desired, live: [])
        XCTAssertEqual(
            plan.pending.map { JournalStep($0).description }.sorted(),
            ["create dns_record.alpha.prim.test/A", "create dns_record.beta.prim.test/A"])

        let generation = try harness.apply(plan, [dns], desired: desired)

        XCTAssertEqual(generation.outcome, .converged)
        XCTAssertEqual(provider.batches.map(\.zone), ["prim.test"])
        XCTAssertEqual(
            provider.batches.first?.batch.replaces.map(\.name).sorted(), ["alpha.prim.test", "beta.prim.test"])
        XCTAssertEqual(provider.batches.first?.batch.deletes, [])
        XCTAssertEqual(try harness.inventory(), ["dns_record.alpha.prim.test/A", "dns_record.beta.prim.test/A"])
    }

    func testAnUpdateAndARemovalShareTheZonesBatch() throws {
        let provider = RecordingDNSProvider()
        let harness = try harness(provider)
        let desired = try desired(prims: ["alpha"])
        let plan = harness.plan(
            [dns], desired: desired,
            live: [
                live("alpha.prim.test", ["203.0.113.99"], owner: "alpha"),
                live("gone.prim.test", ["203.0.113.10"], owner: "gone"),
            ])
        XCTAssertEqual(
            plan.pending.map { JournalStep($0).description }.sorted(),
            ["delete dns_record.gone.prim.test/A", "update dns_record.alpha.prim.test/A"])

        _ = try harness.apply(plan, [dns], desired: desired)

        let sent = provider.batches.flatMap {
            $0.batch.replaces.map { "replace \($0.name) \($0.contents)" } + $0.batch.deletes.map { "delete \($0.name)" }
        }
        XCTAssertEqual(sent.sorted(), ["delete gone.prim.test", "replace alpha.prim.test [\"203.0.113.10\"]"])
        XCTAssertFalse(try harness.inventory().contains("dns_record.gone.prim.test/A"))
    }

    func testARejectedBatchLeavesNoRecordInTheInventory() throws {
        let provider = RecordingDNSProvider()
        provider.reject = true
        let harness = try harness(provider)
        let desired = try desired(prims: ["alpha"])
        let plan = harness.plan([dns], desired: desired, live: [])

        XCTAssertThrowsError(try harness.apply(plan, [dns], desired: desired)) { error in
            XCTAssertTrue("\(error)".contains("rejected the batch"), "\(error)")
        }
        XCTAssertEqual(try harness.inventory(), [], "records the provider refused are not prim's")
        XCTAssertNotNil(ApplyJournal.interrupted(dataDir: harness.dataDir), "the next apply tries the batch again")
    }
}
