import Foundation
import PrimSystem
import XCTest

/// Health gates on a real systemd manager.
final class GateTests: FreshTestbedCase {
    /// A prim that exits at start is restarted by `Restart=on-failure` and so stays "activating":
    /// its gate fails as soon as the main process has exited, saying so with the journal's lines,
    /// not after its whole health timeout.
    func testAPrimThatDiesAtStartFailsItsGateWithItsJournal() throws {
        let files = ConvergedState.files(
            adding: "dies", status: "live", port: 3208,
            """
            deploy:
              command: /usr/bin/python3 packages/stub/server.py --name dies.sh --die "cannot open /var/lib/dies/db (no such file)"
              health: { timeout: 30 }

            """)
        state = try writeTree(files)
        let apply = try testbed.primctl(["apply", "--state", state, "--yes", "--format", "json"])
        XCTAssertEqual(apply.status, 4, apply.stdout + apply.stderr)
        let status = try testbed.primctl(["status", "--format", "json"])
        let document = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any], status.stdout)
        let gates = try XCTUnwrap((document["last_generation"] as? [String: Any])?["gates"] as? [[String: Any]])
        let gate = try XCTUnwrap(gates.first { $0["prim"] as? String == "dies" }, "\(gates)")
        XCTAssertEqual(gate["passed"] as? Bool, false)
        let message = gate["message"] as? String ?? ""
        XCTAssertTrue(
            message.contains("service exited before GET / answered 200") && message.contains("prim-dies@"), message)
        XCTAssertFalse(message.contains("within 30 s"), "it did not wait out its timeout: \(message)")
        let journal = (gate["journal"] as? [String] ?? []).joined(separator: "\n")
        XCTAssertTrue(journal.contains("cannot open /var/lib/dies/db (no such file)"), journal)
        // The other prims' gates passed.
        XCTAssertEqual(
            gates.filter { $0["prim"] as? String != "dies" }.map { $0["passed"] as? Bool }, [true, true], "\(gates)")
    }
}
