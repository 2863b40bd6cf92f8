import PrimPlan
import PrimSystem
import XCTest

@testable import DNSReconciler

/// domain.sh's odd error bodies as the sentences prim reports, and the plan's cost estimate.
final class DomainShAnswersTests: XCTestCase {
    func failure(_ status: Int, _ body: String) -> SystemError {
        DomainSh.failure(HTTPResponse(status: status, body: Array(body.utf8)), doing: "the batch for prim.test")
    }

    func testUpstreamsErrorBodiesBecomeSentences() {
        let validation = failure(
            400,
            #"{"error":{"code":"validation_error","message":"Invalid request","issues":[{"path":"create.0.type","message":"Invalid enum value"}]}}"#
        )
        XCTAssertTrue(
            validation.message.contains("Invalid request: create.0.type: Invalid enum value"), validation.message)
        XCTAssertEqual(validation.errorClass, .stalled)
        let large = failure(413, #"{"error":"Request too large"}"#)
        XCTAssertTrue(large.message.contains("too large (Request too large)"), large.message)
        let allowed = failure(403, #"{"error":"wallet_not_allowed","message":"This wallet is not on the access list"}"#)
        XCTAssertTrue(
            allowed.message.contains("This wallet is not on the access list (wallet_not_allowed)"), allowed.message)
        let trap = failure(500, #"{"error":{"code":"internal_error","message":"Failed to save records"}}"#)
        XCTAssertEqual(trap.errorClass, .transient)
        XCTAssertTrue(trap.message.contains("lists the zone again before sending anything more"), trap.message)
        XCTAssertEqual(
            failure(429, #"{"error":{"code":"cloudflare_error","message":"rate limited"}}"#).errorClass, .transient)
    }

    func testRecordsConvertBothWays() {
        let mx = RRset(name: "prim.test", type: "MX", ttl: 60, contents: ["10 mail.prim.test."])
        let record = DomainSh.record(mx, content: mx.contents[0])
        XCTAssertEqual([record.content, String(record.priority ?? -1)], ["mail.prim.test", "10"])
        XCTAssertEqual(DomainSh.content(of: record), "10 mail.prim.test.")
        let cname = DomainSh.Record(type: "CNAME", name: "www.prim.test", content: "search.prim.test", ttl: 60)
        XCTAssertEqual(DomainSh.content(of: cname), "search.prim.test.")
    }

    func testTheEstimateCountsListPagesAndBatches() {
        let changes = (0..<250).map { index in
            Change(
                address: ResourceAddress(.dnsRecord, "p\(index).prim.test/A"), prim: "p\(index)", path: "prim.test",
                action: .create,
                reason: nil, sensitive: false, before: nil, after: "p\(index).prim.test. 60 IN A 127.0.0.1\n")
        }
        let estimate = DNSCost.estimate(changes, records: ["prim.test": 100], listPrice: 1000, batchPrice: 5000)
        // 100 records: a full page, then an empty one; 250 creates: two batches.
        XCTAssertEqual(estimate, DNSCost.Estimate(atomic: 2 * 1000 + 2 * 5000, lists: 2, batches: 2))
        XCTAssertNil(DNSCost.estimate([], records: [:], listPrice: 1000, batchPrice: 5000))
    }
}
