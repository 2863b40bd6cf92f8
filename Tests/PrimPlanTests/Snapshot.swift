import Foundation
import XCTest

/// Golden-file assertions: `Snapshots/<name>.txt` beside this file.
/// Set PRIM_RECORD_SNAPSHOTS=1 to write new baselines; a run that writes one fails.
func assertSnapshot(_ actual: String, named name: String, file: StaticString = #filePath, line: UInt = #line) {
    let directory = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("Snapshots")
    let path = directory.appendingPathComponent("\(name).txt")
    if ProcessInfo.processInfo.environment["PRIM_RECORD_SNAPSHOTS"] == "1" {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try? actual.write(to: path, atomically: true, encoding: .utf8)
        XCTFail("recorded snapshot \(name); run again without PRIM_RECORD_SNAPSHOTS", file: file, line: line)
        return
    }
    guard let expected = try? String(contentsOf: path, encoding: .utf8) else {
        XCTFail("no snapshot \(path.path); record it with PRIM_RECORD_SNAPSHOTS=1", file: file, line: line)
        return
    }
    if expected != actual {
        let diff = zip(
            expected.split(separator: "\n", omittingEmptySubsequences: false),
            actual.split(separator: "\n", omittingEmptySubsequences: false)
        )
        .enumerated().first { $0.element.0 != $0.element.1 }
        XCTFail(
            "snapshot \(name) differs at line \((diff?.offset ?? 0) + 1):\n expected: \(diff?.element.0 ?? "")\n   actual: \(diff?.element.1 ?? "")",
            file: file, line: line)
    }
}
