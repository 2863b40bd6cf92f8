import Foundation
import PrimEngine
import PrimStatus
import PrimViews
import XCTest

/// primd's status page, rendered from a status and generations (no server): every value escaped,
/// each section present. Headless Chromium reads the served page in IntegrationTests.
final class StatusPageTests: XCTestCase {
    static let hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>"

    func status() -> ControllerStatus {
        var status = ControllerStatus()
        status.lastAppliedRevision = "0123456789abcdef"
        status.set(.ready, true, reason: .reconciliationSucceeded, message: "applied revision 0123456789ab")
        var alpha = ControllerStatus.PrimHealth(prim: "alpha", up: true, message: "passed", rolledBackTo: nil)
        alpha.name = "alpha.sh"
        alpha.description = Self.hostile
        alpha.endpoint = "alpha.prim.test"
        alpha.release = "r-1234"
        var beta = ControllerStatus.PrimHealth(
            prim: "beta", up: false, message: "GET / answered 502", rolledBackTo: "fedcba9876543210")
        beta.endpoint = "beta.prim.test"
        status.prims = [alpha, beta]
        status.blocked = [.init(prim: "gamma", missingEnv: ["API_KEY"], message: "API_KEY has no value on this host")]
        status.driftEvents = ["unit.prim-alpha@.service": 2]
        return status
    }

    func generation() throws -> Generation {
        let json = """
            {"number": 7, "revision": "0123456789abcdef", "started": "2026-12-06T10:00:00Z",
             "finished": "2026-12-06T10:00:03Z", "outcome": "converged", "added": 1, "changed": 2,
             "destroyed": 0, "changes": [], "gates": [], "errors": [], "subject": "\(Self.hostile)"}
            """
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Generation.self, from: Data(json.utf8))
    }

    func page() throws -> String {
        let status = status()
        let rows = PrimRow.rows(
            units: ["alpha": "active", "beta": "active"], generations: [try generation()], controller: status,
            suspended: false)
        return HostPage(
            host: "vps<1>", status: status, rows: rows, generations: [try generation()],
            now: Date(timeIntervalSince1970: 0)
        ).render()
    }

    func testEveryValueIsEscaped() throws {
        let page = try page()
        XCTAssertFalse(page.contains("<script>"), "a description's markup is text, not markup")
        XCTAssertFalse(page.contains("<img"))
        XCTAssertTrue(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), page)
        XCTAssertTrue(page.contains("prim · vps&lt;1&gt;"), "the host name is escaped too")
    }

    func testThePageShowsPrimsConditionsBlockedGenerationsAndDrift() throws {
        let page = try page()
        XCTAssertTrue(page.contains("<meta http-equiv=\"refresh\" content=\"10\">"), "it refreshes itself")
        XCTAssertTrue(page.contains("data-type=\"Ready\""))
        XCTAssertTrue(page.contains("ReconciliationSucceeded"))
        XCTAssertTrue(page.contains("<tr class=\"prim\" data-prim=\"alpha\">"))
        XCTAssertTrue(page.contains("<span class=\"badge health ok\">up</span>"), page)
        XCTAssertTrue(page.contains("<span class=\"badge health bad\">DOWN</span>"))
        XCTAssertTrue(page.contains("alpha.prim.test"))
        XCTAssertTrue(page.contains("r-1234"))
        XCTAssertTrue(page.contains("rolled back to fedcba987654"))
        XCTAssertTrue(page.contains("<code>primctl secret set API_KEY</code>"), "a blocked prim says what fixes it")
        XCTAssertTrue(page.contains("<tr class=\"generation\" data-number=\"7\">"))
        XCTAssertTrue(page.contains("3.0 s"), "the apply's duration")
        XCTAssertTrue(page.contains("+1 ~2 -0"))
        XCTAssertTrue(page.contains("unit.prim-alpha@.service"))
    }

    /// Mustache's `{{{x}}}` and `{{&x}}` write a value unescaped: no template may use them.
    func testNoTemplateWritesAValueUnescaped() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let templates = try String(
            contentsOf: root.appendingPathComponent("Sources/PrimViews/Templates.swift"), encoding: .utf8)
        XCTAssertTrue(templates.contains("{{title}}"), "the file read is the templates'")
        XCTAssertFalse(templates.contains("{{{"))
        XCTAssertFalse(templates.contains("{{&"))
    }

    func testAnEmptyHostSaysSo() {
        let page = HostPage(host: "vps", status: nil, rows: [], generations: [], now: Date()).render()
        XCTAssertTrue(page.contains("No prim is deployed on this host."))
        XCTAssertTrue(page.contains("No apply is recorded yet."))
        XCTAssertTrue(page.contains("primd has not reported yet."))
    }
}
