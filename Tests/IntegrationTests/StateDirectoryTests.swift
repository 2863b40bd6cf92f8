import Foundation
import PrimSystem
import XCTest

/// A prim's persistent directory: its own, kept across code and port changes (both versions reach
/// it), unreadable to other prims, and kept when the prim is removed.
final class StateDirectoryTests: FreshTestbedCase {
    func count() throws -> Int {
        let body = testbed.viaCaddy("tally.prim.test", "GET", "/count").1
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], body)
        return try XCTUnwrap(object["count"] as? Int, body)
    }

    func testAPrimKeepsItsDataAcrossVersionsAloneAndAfterRemoval() throws {
        let config = try String(contentsOfFile: testbed.config, encoding: .utf8)
        let stateDir = try XCTUnwrap(
            config.split(separator: "\n").first { $0.hasPrefix("state_dir: ") }?.dropFirst("state_dir: ".count))
        let tallyDir = "/var/lib/\(stateDir)/tally"
        var files = ConvergedState.files()
        func tally(port: Int) -> String {
            "id: tally\nname: tally.sh\nstatus: live\nport: \(port)\ndeploy:\n  command: /usr/bin/python3 packages/stub/server.py --name tally.sh --counter\n"
        }
        files["prims/tally.yaml"] = tally(port: 3218)
        files["prims/peeker.yaml"] =
            "id: peeker\nname: peeker.sh\nstatus: testing\nport: 3219\ndeploy:\n  command: /usr/bin/python3 packages/stub/server.py --name peeker.sh --peek \(tallyDir)/count\n"
        state = try writeTree(files)
        func apply() throws -> CommandResult {
            let result = try testbed.primctl(["apply", "--state", state, "--yes"])
            XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
            return result
        }
        _ = try apply()
        XCTAssertEqual(try count(), 1)
        XCTAssertEqual(try count(), 2)

        // A code change: tally's own release changes, its new version counts on.
        try write(Array("v2\n".utf8), to: "\(state)/packages/tally/VERSION")
        let code = try apply()
        XCTAssertTrue(code.stdout.contains("prim-tally@.service"), code.stdout)
        XCTAssertEqual(try count(), 3)
        // A port change: handed over side by side; the new version counts on.
        try write(Array(tally(port: 3220).utf8), to: "\(state)/prims/tally.yaml")
        _ = try apply()
        XCTAssertEqual(try count(), 4)
        XCTAssertEqual(
            try HTTPClient.request("GET", "http://127.0.0.1:3220/count", timeout: 5).status, 200, "on its new port")

        // Another prim cannot read it.
        let peek = try HTTPClient.request("GET", "http://127.0.0.1:3219/peek", timeout: 5).text
        XCTAssertTrue(peek.contains("\"read\": false"), peek)

        // Removed: the plan says its data is kept, and it is.
        try FileManager.default.removeItem(atPath: "\(state)/prims/tally.yaml")
        let removed = try apply()
        XCTAssertTrue(
            removed.stdout.contains("prim 'tally' is removed, and its data in \(tallyDir) is kept"), removed.stdout)
        let kept = try String(contentsOfFile: "/var/lib/private/\(stateDir)/tally/count", encoding: .utf8)
        XCTAssertEqual(kept, "5", "four counts through Caddy and one on its new port")
    }
}
