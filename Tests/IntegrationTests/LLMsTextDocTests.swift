import Foundation
import XCTest

@testable import prsh

/// pr.sh's API is written once, in the code that serves `/llms.txt`; docs/prsh-llms.txt is that
/// text for a host paid on Base, and must be exactly what the code renders.
final class LLMsTextDocTests: XCTestCase {
    func testTheDocsCopyIsWhatPrshServes() throws {
        let text = LLMsText.render(
            statePath: "state", paying: (network: "eip155:8453", payTo: "0x2222222222222222222222222222222222222222"))
        let path = Paths.repo("docs/prsh-llms.txt")
        if ProcessInfo.processInfo.environment["PRIM_RECORD_SNAPSHOTS"] == "1" {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let copy = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(
            copy, text,
            "docs/prsh-llms.txt is not what pr.sh serves: PRIM_RECORD_SNAPSHOTS=1 swift test --filter LLMsTextDocTests")
    }
}
