import Foundation
import PrimACME
import SwiftASN1
import X509
import XCTest

/// prim's ACME client against Pebble (Let's Encrypt's test CA) validating DNS-01 through the
/// testbed's PowerDNS, refusing 40 % of the nonces: a wildcard and its apex in one order, both TXT
/// values served at once at the shared `_acme-challenge` name, removed afterwards; a refusal names
/// the CA's problem.
final class ACMEPebbleTests: XCTestCase {
    var testbed: Testbed!
    var pdns: PowerDNSAPI!

    /// 40 % of the good nonces are refused (`badNonce`), so every issuance goes through the
    /// client's retry with the nonce each refusal carries.
    override func setUpWithError() throws {
        testbed = try Testbed.up(https: true, environment: ["PRIM_PEBBLE_NONCE_REJECT": "40"])
        pdns = PowerDNSAPI(testbed: testbed)
    }

    override func tearDown() { testbed?.down() }

    func makeClient() -> ACMEClient {
        ACMEClient(
            directoryURL: testbed.environment["PEBBLE_ACME"]!, key: AccountKey(),
            caFile: testbed.environment["PEBBLE_API_CA"]!)
    }

    /// Writes the records at PowerDNS, one rrset per name holding every value asked for there.
    func present(_ records: [ACMEClient.TXTRecord]) throws {
        for (name, values) in Dictionary(grouping: records, by: \.name) {
            try pdns.replace("prim.test", name: name, type: "TXT", contents: values.map { "\"\($0.value)\"" }, ttl: 5)
        }
    }

    func testAWildcardAndItsApexAreIssuedThroughDNS01() throws {
        var presented: [ACMEClient.TXTRecord] = []
        var servedBeforeAnswering: [String] = []
        let request = SigningRequest(names: ["*.prim.test", "prim.test"])
        let client = makeClient()
        let chain = try client.issue(
            request,
            present: { records in
                presented = records
                try self.present(records)
                servedBeforeAnswering = try pdns.dig("_acme-challenge.prim.test", "TXT")
            },
            cleanup: { records in
                for name in Set(records.map(\.name)) {
                    _ = try? pdns.request(
                        "PATCH", "/zones/prim.test.",
                        ["rrsets": [["name": name + ".", "type": "TXT", "changetype": "DELETE"]]])
                }
            })
        XCTAssertEqual(Set(presented.map(\.name)), ["_acme-challenge.prim.test"], "wildcard and apex share the name")
        XCTAssertEqual(presented.count, 2, "both values at once")
        XCTAssertEqual(servedBeforeAnswering.count, 2, "both values are served before the CA is asked")

        let documents = try PEMDocument.parseMultiple(pemString: chain)
        XCTAssertGreaterThanOrEqual(documents.count, 2, "leaf and issuer")
        let certificate = try Certificate(pemDocument: documents[0])
        let root = try Certificate(
            pemEncoded: try String(contentsOfFile: testbed.environment["PEBBLE_ROOT"]!, encoding: .utf8))
        XCTAssertEqual(
            try Certificate(pemDocument: documents[documents.count - 1]).issuer, root.subject,
            "the chain ends at Pebble's root")
        XCTAssertTrue(
            root.publicKey.isValidSignature(
                try Certificate(pemDocument: documents[documents.count - 1]).signature,
                for: try Certificate(pemDocument: documents[documents.count - 1])))
        let names = try XCTUnwrap(certificate.extensions.subjectAlternativeNames)
        XCTAssertEqual(Set(names), [.dnsName("*.prim.test"), .dnsName("prim.test")])
        XCTAssertEqual(try pdns.dig("_acme-challenge.prim.test", "TXT"), [], "the challenge records are gone")
        XCTAssertFalse(chain.contains("PRIVATE KEY"))
        XCTAssertGreaterThan(client.badNonceRetries, 0, "Pebble refused nonces and the client sent again")
    }

    func testARefusedOrderNamesTheCAsProblem() throws {
        // A name outside any zone the DNS serves: Pebble cannot validate it.
        XCTAssertThrowsError(
            try makeClient().issue(
                SigningRequest(names: ["nowhere.invalid-zone.test"]), present: { _ in }, cleanup: { _ in })
        ) { error in
            XCTAssertTrue("\(error)".contains("could not validate nowhere.invalid-zone.test"), "\(error)")
        }
    }
}
