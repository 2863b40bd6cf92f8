import PrimYAML
import XCTest

final class YAMLParserTests: XCTestCase {
    func parse(_ text: String) throws -> YAMLNode {
        try XCTUnwrap(YAMLParser.parse(Array(text.utf8)).first)
    }

    func testMarksAreOneBasedLineAndColumn() throws {
        let root = try parse("id: search\nport: 3005\ndeploy:\n  access_log: true\n")
        XCTAssertEqual(root["id"]?.mark, Mark(line: 1, column: 5))
        XCTAssertEqual(root["port"]?.mark, Mark(line: 2, column: 7))
        XCTAssertEqual(root["deploy"]?["access_log"]?.mark, Mark(line: 4, column: 15))
        XCTAssertEqual(root.pair("deploy")?.key.mark, Mark(line: 3, column: 1))
    }

    func testScalarsResolveAsYAML12CoreSchema() throws {
        let root = try parse("a: 3005\nb: '3005'\nc: true\nd: yes\ne: ~\nf: 0x1F\n")
        XCTAssertEqual(root["a"]?.int, 3005)
        XCTAssertNil(root["a"]?.string)
        XCTAssertEqual(root["b"]?.string, "3005")
        XCTAssertNil(root["b"]?.int)
        XCTAssertEqual(root["c"]?.bool, true)
        XCTAssertEqual(root["d"]?.string, "yes")
        XCTAssertTrue(root["e"]?.isNull ?? false)
        XCTAssertEqual(root["f"]?.int, 31)
    }

    func testAliasesResolveToTheAnchoredNode() throws {
        let root = try parse("base: &b {x: 1}\ncopy: *b\n")
        XCTAssertEqual(root["copy"]?["x"]?.int, 1)
        XCTAssertEqual(root["copy"]?.mark, Mark(line: 2, column: 7))
    }

    func testDuplicateKeysAreKept() throws {
        let root = try parse("port: 1\nport: 2\n")
        XCTAssertEqual(root.pairs?.count, 2)
        XCTAssertEqual(root["port"]?.int, 1)
    }

    func testSyntaxErrorHasItsPosition() {
        XCTAssertThrowsError(try YAMLParser.parse(Array("id: a\nenv: [A, B\nport: 1\n".utf8))) { error in
            let syntax = error as? YAMLSyntaxError
            XCTAssertEqual(syntax?.mark.line, 2, "the line with the unclosed '[', not the next")
            XCTAssertEqual(syntax?.mark.column, 6)
            XCTAssertTrue(
                syntax?.message.contains("flow sequence that starts here (found at line 3, column 5)") ?? false,
                syntax?.message ?? "")
        }
    }

    func testBlockScalarKeepsNewlines() throws {
        let root = try parse("extra:\n  - |\n    a {\n    }\n")
        XCTAssertEqual(root["extra"]?.sequence?.first?.scalarText, "a {\n}\n")
    }
}
