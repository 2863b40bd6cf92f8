import Foundation
import PrimEngine
import PrimModel
import PrimStatus
import XCTest

/// The one JSON configuration: snake_case keys, ISO 8601 dates, map keys as written, and files an
/// earlier version wrote in camelCase still read.
final class PrimJSONTests: XCTestCase {
    func testKeysAreSnakeCaseAndMapKeysAreKeptAsWritten() throws {
        var status = ControllerStatus()
        status.lastAppliedRevision = "abc"
        status.driftEvents = ["unit.prim-alpha@.service": 2]
        var health = ControllerStatus.PrimHealth(prim: "alpha", up: true, message: "ok", rolledBackTo: nil)
        health.envSources = ["API_KEY": .store, "PRIM_PAY_TO": .host]
        status.prims = [health]
        let text = PrimJSON.text(status)
        XCTAssertTrue(text.contains("\"last_applied_revision\" : \"abc\""), text)
        XCTAssertTrue(text.contains("\"unit.prim-alpha@.service\" : 2"), "a map's keys are data, not renamed: \(text)")
        XCTAssertTrue(text.contains("\"API_KEY\""), text)
        let back = try PrimJSON.decode(ControllerStatus.self, from: Array(text.utf8))
        XCTAssertEqual(back.prims.first?.envSources, ["API_KEY": .store, "PRIM_PAY_TO": .host])
        XCTAssertEqual(back.driftEvents, ["unit.prim-alpha@.service": 2])
        XCTAssertFalse(PrimJSON.text(status, .line).dropLast().contains("\n"), "a line layout is one line")
    }

    /// Generation records were written with camelCase keys before every file took snake_case.
    func testAGenerationWrittenInCamelCaseStillReads() throws {
        let old = """
            {"number": 3, "revision": "abc", "started": "2026-12-06T10:00:00Z", "finished": "2026-12-06T10:00:01Z",
             "outcome": "converged", "added": 1, "changed": 0, "destroyed": 0, "changes": ["create unit.prim-a@.service"],
             "gates": [], "errors": [], "rollbackOf": 2, "deployed": ["a"]}
            """
        let generation = try PrimJSON.decode(Generation.self, from: Array(old.utf8))
        XCTAssertEqual(generation.rollbackOf, 2)
        let new = PrimJSON.text(generation)
        XCTAssertTrue(new.contains("\"rollback_of\" : 2"), new)
        XCTAssertEqual(try PrimJSON.decode(Generation.self, from: Array(new.utf8)).rollbackOf, 2)
    }

    /// `WritesNull` writes an absent value as `null` and reads a missing key as no value.
    func testAWritesNullOptionalIsAlwaysWrittenAndMayBeMissingWhenRead() throws {
        struct Record: Codable, Equatable {
            @WritesNull var mergedCommit: String?
            var plain: String?
        }
        XCTAssertEqual(PrimJSON.text(Record(mergedCommit: nil, plain: nil), .line), "{\"merged_commit\":null}\n")
        XCTAssertEqual(PrimJSON.text(Record(mergedCommit: "abc", plain: nil), .line), "{\"merged_commit\":\"abc\"}\n")
        XCTAssertEqual(try PrimJSON.decode(Record.self, from: Array("{}".utf8)), Record(mergedCommit: nil, plain: nil))
        XCTAssertEqual(
            try PrimJSON.decode(Record.self, from: Array("{\"merged_commit\":\"abc\"}".utf8)).mergedCommit, "abc")
    }
}
