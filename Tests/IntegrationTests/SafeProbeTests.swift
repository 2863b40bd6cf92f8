import Foundation
import PrimSystem
import XCTest

/// Gates and primd's re-checks never change a prim's data: a notes service whose free
/// `POST /v1/notes` stores a note gets no note from them, while its paid route is still asked
/// unpaid and a free route marked `safe_to_repeat` still asked with its own method.
final class SafeProbeTests: PrimdTestCase {
    override func initialFiles() -> [String: String] {
        let files = ConvergedState.files(
            adding: "notes", status: "live", port: 3207,
            """
            routes_map:
              - route: POST /v1/notes
                status: 201
              - route: GET /v1/notes
                status: 200
              - route: PUT /v1/ping
                status: 200
                safe_to_repeat: true
              - route: POST /v1/work
                errors: [{ status: 402, code: payment_required }]
            deploy:
              command: /usr/bin/python3 packages/stub/server.py --name notes.sh --notes --ok "PUT /v1/ping" --paid "POST /v1/work"
              health: { timeout: 5 }

            """)
        return files
    }

    func counts() throws -> (notes: Int, probes: Int) {
        let answer = try HTTPClient.request("GET", "http://127.0.0.1:3207/v1/notes", timeout: 5)
        let body = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(answer.text.utf8)) as? [String: Any], answer.text)
        return (try XCTUnwrap(body["notes"] as? Int), try XCTUnwrap(body["probes"] as? Int))
    }

    func testGatesAndRechecksStoreNoNoteAndSayWhichRoutesTheyDidNotAsk() throws {
        let process = try PrimdProcess(
            testbed: testbed, repo: "file://\(repo.bare)", extra: "  conformance_interval: 1\n")
        primd = process
        process.waitFor("the first revision to be applied") {
            process.status()?["last_applied_revision"] as? String != nil
        }
        func notes() -> [String: Any]? {
            (process.status()?["prims"] as? [[String: Any]])?.first { $0["prim"] as? String == "notes" }
        }
        let first = try XCTUnwrap(notes())
        let checked = first["checked_at"] as? String
        // Three re-checks after the gate.
        var seen = Set<String>()
        process.waitFor("three conformance re-checks of notes") {
            if let at = notes()?["checked_at"] as? String, at != checked { seen.insert(at) }
            return seen.count >= 3
        }
        let (stored, probes) = try counts()
        XCTAssertEqual(stored, 0, "no gate or re-check stored a note")
        // Each check asks GET /, GET /v1/notes, PUT /v1/ping and POST /v1/work: four requests, all marked.
        XCTAssertGreaterThanOrEqual(probes, 4 * 4, "every probe carries Prim-Probe")

        let status = try testbed.primctl(["status", "--format", "json"])
        let document = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any], status.stdout)
        let gates = try XCTUnwrap((document["last_generation"] as? [String: Any])?["gates"] as? [[String: Any]])
        let gate = try XCTUnwrap(gates.first { $0["prim"] as? String == "notes" })
        XCTAssertEqual(gate["passed"] as? Bool, true, "\(gate)")
        let routes = try XCTUnwrap(gate["routes"] as? [[String: Any]])
        XCTAssertEqual(
            routes.map { "\($0["route"] as? String ?? "") \($0["outcome"] as? String ?? "")" },
            ["POST /v1/notes skipped", "GET /v1/notes passed", "PUT /v1/ping passed", "POST /v1/work passed"])
        XCTAssertTrue((routes[0]["message"] as? String ?? "").contains("safe_to_repeat: true"), "\(routes[0])")

        // A user's note is stored as usual.
        let post = try HTTPClient.request("POST", "http://127.0.0.1:3207/v1/notes", body: Array("{}".utf8), timeout: 5)
        XCTAssertEqual(post.status, 201, post.text)
        XCTAssertEqual(try counts().notes, 1)
    }
}
