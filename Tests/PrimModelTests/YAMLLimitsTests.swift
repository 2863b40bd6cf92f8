import PrimModel
import PrimYAML
import XCTest

/// Inputs built to exhaust a parser: each is refused with its own code, at a position, without
/// building what it describes.
final class YAMLLimitsTests: XCTestCase {
    func refusal(_ text: String, limits: YAMLLimits = .state) -> YAMLSyntaxError? {
        do {
            _ = try YAMLParser.parse(Array(text.utf8), limits: limits)
            return nil
        } catch {
            return error
        }
    }

    func testDeepNestingIsRefusedAtTheFirstLevelTooDeep() throws {
        let error = try XCTUnwrap(refusal(String(repeating: "[", count: 50_000)))
        XCTAssertEqual(error.code, "yaml-depth")
        XCTAssertEqual(error.mark, Mark(line: 1, column: 65), "the 65th '[' opens level 65")
        XCTAssertNil(
            refusal(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)), "64 levels are allowed")
    }

    func testDeepBlockMappingsAreRefusedToo() throws {
        var text = ""
        for level in 0..<70 { text += String(repeating: " ", count: level) + "k:\n" }
        XCTAssertEqual(refusal(text)?.code, "yaml-depth")
    }

    func testAliasExpansionCountsEveryRepeatedNode() throws {
        // "Billion laughs": nine levels of ten aliases each describe 10^9 nodes in 1 KB.
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        let error = try XCTUnwrap(refusal(text))
        XCTAssertEqual(error.code, "yaml-nodes")
        XCTAssertEqual(error.mark.line, 5, "10^5 nodes are passed on the fifth line")
    }

    func testMergeKeysAreRefusedNotIgnored() throws {
        var text = "b0: &b0 {k0: v, k1: v, k2: v, k3: v, k4: v, k5: v, k6: v, k7: v}\n"
        for level in 1...8 {
            let merges = (0..<8).map { "m\($0): {<<: *b\(level - 1)}" }.joined(separator: ", ")
            text += "b\(level): &b\(level) {\(merges)}\n"
        }
        let error = try XCTUnwrap(refusal(text))
        XCTAssertEqual(error.code, "yaml-merge-key")
        XCTAssertEqual(error.mark, Mark(line: 2, column: 15))
        XCTAssertNil(refusal("'<<': quoted is an ordinary key\n"))
    }

    func testAMappingWithTooManyKeysIsRefused() throws {
        let text = (0..<100_000).map { "k\($0): 1" }.joined(separator: "\n")
        let error = try XCTUnwrap(refusal(text))
        XCTAssertEqual(error.code, "yaml-keys")
        XCTAssertEqual(error.mark.line, 5_001)
    }

    func testLimitsAreTheCallersToChoose() {
        XCTAssertEqual(refusal("[[1]]", limits: YAMLLimits(maxDepth: 1))?.code, "yaml-depth")
        XCTAssertEqual(refusal("[1, 2, 3]", limits: YAMLLimits(maxNodes: 3))?.code, "yaml-nodes")
        XCTAssertEqual(refusal("{a: 1, b: 2}", limits: YAMLLimits(maxKeys: 1))?.code, "yaml-keys")
        XCTAssertNil(refusal("{a: 1, b: 2}", limits: YAMLLimits(maxKeys: 2)))
    }

    func testDuplicateKeysAreFoundOnceEvenWhenAnAliasRepeatsThem() throws {
        let stream = try YAMLParser.stream(Array("base: &b {x: 1, x: 2}\ncopy: *b\nport: 1\nport: 2\n".utf8))
        XCTAssertEqual(
            stream.duplicateKeys,
            [
                DuplicateKey(key: "x", mark: Mark(line: 1, column: 17), first: Mark(line: 1, column: 11)),
                DuplicateKey(key: "port", mark: Mark(line: 4, column: 1), first: Mark(line: 3, column: 1)),
            ])
    }

    func testTheLoaderReportsEachLimitAsADiagnosticOfTheFile() {
        let snapshot = StateSnapshot(entries: [
            "prims/deep.yaml": .file(Array(("id: deep\nx: " + String(repeating: "[", count: 10_000)).utf8)),
            "prims/ok.yaml": .file(Array("id: ok\n".utf8)),
        ])
        let result = StateLoader.load(snapshot)
        XCTAssertEqual(
            result.errors.map { "\($0.file):\($0.line):\($0.column) \($0.code)" }, ["prims/deep.yaml:2:67 yaml-depth"])
        XCTAssertEqual(result.state.prims.map(\.id), ["ok"], "the other files still load")
    }
}
