import Foundation
import PrimModel
import XCTest

/// The JSON reader gives what JSONDecoder gives for JSON, and nothing for what is not JSON.
final class JSONParserTests: XCTestCase {
    func testItReadsWhatJSONDecoderReads() throws {
        let documents = [
            #"{"apps":{"http":{"servers":{"srv0":{"listen":[":80"],"routes":[{"match":[{"host":["a.prim.test","b.prim.test"]}],"terminal":true}]}}}}}"#,
            #"[1, -2, 3.5, -0.25E-2, 9223372036854775807, true, false, null, "", "x"]"#,
            #"  {"escapes": "q\"b\\s\/n\nt\tu\u00e9\ud83d\ude00", "empty": {}, "list": []}  "#,
            #""plain""#, "0", "-0", "12",
        ]
        for text in documents {
            let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            XCTAssertEqual(JSONValue.parse(Array(text.utf8)), decoded, text)
        }
        XCTAssertEqual(JSONValue.parse(Array(#""\ud83d\ude00""#.utf8)), .string("😀"))
    }

    func testWhatIsNotJSONIsNil() {
        let invalid = [
            "", "{", "[1,]", #"{"a":1,}"#, "01", "1.", ".5", "-", "1e", "tru", "nul", #""\x""#, #""\ud83d""#,
            #""\ude00""#, #""\u+041""#, #""\u-000""#,
            "\"a\u{01}b\"", #"{"a" 1}"#, "[1 2]", "1 2", #"{"a":1}x"#,
            String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
        ]
        for text in invalid {
            XCTAssertNil(JSONValue.parse(Array(text.utf8)), text)
        }
        XCTAssertNil(JSONValue.parse([0x22, 0xFF, 0x22]), "not UTF-8")
    }
}
