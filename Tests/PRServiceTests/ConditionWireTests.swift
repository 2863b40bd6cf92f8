import Foundation
import PrimStatus
import XCTest

/// Conditions are typed in the code and plain strings on the wire, both ways.
final class ConditionWireTests: XCTestCase {
    func testAConditionIsWrittenAndReadAsPlainStrings() throws {
        var status = ControllerStatus()
        status.set(.stalled, true, reason: .branchMissing, message: "no branch")
        let json = String(decoding: try JSONEncoder().encode(status.conditions), as: UTF8.self)
        XCTAssertTrue(json.contains(#""type":"Stalled""#), json)
        XCTAssertTrue(json.contains(#""reason":"BranchMissing""#), json)
        let read = try JSONDecoder().decode([ControllerStatus.Condition].self, from: Data(json.utf8))
        XCTAssertEqual(read.first?.reason, .branchMissing)
        var again = ControllerStatus()
        again.conditions = read
        XCTAssertEqual(again.condition(.stalled)?.message, "no branch")
        let newer = try JSONDecoder().decode(ConditionReason.self, from: Data(#""SomethingNew""#.utf8))
        XCTAssertEqual(newer.rawValue, "SomethingNew", "a reason a newer primd wrote still reads")
    }
}
