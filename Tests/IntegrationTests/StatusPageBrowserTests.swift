import Foundation
import PrimSystem
import XCTest

/// primd's and pr.sh's status pages as a browser sees them: headless Chromium (Debian's package)
/// loads each page and dumps its DOM, which must show the prims, their health, the last apply and
/// the PRs, with markup from the state shown as text; a screenshot of each goes to
/// `.build/test-output/`.
final class StatusPageBrowserTests: PrimdTestCase {
    static let hostile = "'<script>document.title=\"owned\"</script><img src=x onerror=alert(1)>'"

    /// The quickstart, as `scripts/demo` runs it, and a prim whose description holds markup.
    override func initialFiles() -> [String: String] {
        let root = Paths.repo("examples/quickstart")
        var files: [String: String] = [:]
        for path in FileManager.default.enumerator(atPath: root)?.compactMap({ $0 as? String }) ?? [] {
            var directory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: "\(root)/\(path)", isDirectory: &directory),
                !directory.boolValue
            else { continue }
            files[path] = try? String(contentsOfFile: "\(root)/\(path)", encoding: .utf8)
        }
        files["prims/gamma.yaml"] = Prims.yaml("gamma", port: 3206, status: "live", description: Self.hostile)
        return files
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        for key in ["SEARCH_API_KEY", "WALLET_INTERNAL_KEY"] {
            XCTAssertEqual(try testbed.primctl(["secret", "set", key], input: "page-test").status, 0)
        }
    }

    func testPrimdsPageShowsTheQuickstartsPrimsTheirHealthAndTheLastApplyWithMarkupEscaped() throws {
        let primd = try PrimdProcess(testbed: testbed, repo: "file://\(repo.bare)", poll: 600)
        self.primd = primd
        primd.waitFor("the quickstart's prims and gamma to be checked up") {
            let up = ((primd.status()?["prims"] as? [[String: Any]]) ?? []).filter { $0["up"] as? Bool == true }
            return Set(up.compactMap { $0["prim"] as? String }).isSuperset(of: ["search", "store", "wallet", "gamma"])
        }
        let dom = try Browser.dom(primd.url + "/")
        for prim in ["search", "store", "wallet"] {
            let row = try XCTUnwrap(Browser.row(dom, "data-prim=\"\(prim)\""), "a row for \(prim): \(dom)")
            XCTAssertTrue(row.contains("<span class=\"badge health ok\">up</span>"), row)
            XCTAssertTrue(row.contains("\(prim).prim.test"), row)
        }
        let gamma = try XCTUnwrap(Browser.row(dom, "data-prim=\"gamma\""))
        XCTAssertTrue(gamma.contains("<span class=\"badge health ok\">up</span>"), gamma)
        XCTAssertTrue(gamma.contains("gamma.prim.test"), "its public name: \(gamma)")
        XCTAssertTrue(dom.contains("<tr class=\"generation\" data-number=\"1\">"), "the last apply: \(dom)")
        XCTAssertTrue(dom.contains("data-type=\"Ready\""))
        // The description is text: its tags are escaped in the DOM, and no element came of them.
        XCTAssertTrue(gamma.contains("&lt;script&gt;document.title=\"owned\"&lt;/script&gt;"), gamma)
        XCTAssertFalse(dom.contains("<script"), "no script element")
        XCTAssertFalse(dom.contains("<img"), "no img element")
        XCTAssertFalse(dom.contains("<title>owned</title>"))
        try Browser.screenshot(primd.url + "/", to: "primd-status.png")
    }

    /// A fresh package install names no repository: primd runs, says what to set, applies nothing.
    func testPrimdWithNoRepositoryServesItsStatusAndAppliesNothing() throws {
        let before = try testbed.primctl(["history", "--format", "json"]).stdout
        let primd = try PrimdProcess(testbed: testbed, repo: nil)
        self.primd = primd
        primd.waitFor("primd to report that it is not configured") {
            primd.condition("Stalled")?["reason"] as? String == "NotConfigured"
        }
        XCTAssertEqual(primd.condition("Ready")?["status"] as? Bool, false)
        XCTAssertTrue(
            (primd.condition("Stalled")?["message"] as? String ?? "").contains("set controller.repo in \(primd.config)")
        )
        let page = try Browser.dom(primd.url + "/")
        XCTAssertTrue(page.contains("NotConfigured"), page)
        XCTAssertEqual(try testbed.primctl(["history", "--format", "json"]).stdout, before, "nothing was applied")
        XCTAssertEqual(primd.stop(), 0, "SIGTERM stops it cleanly")
        self.primd = nil
    }

    /// A page the operator visits must not make primd act: a browser's POST carries Origin or
    /// Sec-Fetch-Site, and a name rebound to primd's address is not an address.
    func testABrowsersPostToReconcileIsRefused() throws {
        let primd = try PrimdProcess(testbed: testbed, repo: nil)
        self.primd = primd
        primd.waitFor("primd to answer") { primd.get("/healthz")?.text == "ok\n" }
        for headers in [
            ["Origin": "https://evil.example"], ["Sec-Fetch-Site": "cross-site"],
            ["Host": "rebound.evil.example:\(primd.port)"],
        ] {
            let answer = try HTTPClient.request(
                "POST", primd.url + "/reconcile?force=true", headers: headers, body: [], timeout: 5)
            XCTAssertEqual(answer.status, 403, "\(headers): \(answer.text)")
            XCTAssertTrue(answer.text.contains("\"code\":\"forbidden\""), answer.text)
        }
        let primctl = try HTTPClient.request("POST", primd.url + "/reconcile", body: [], timeout: 5)
        XCTAssertEqual(
            primctl.status, 202, "primctl's request (no browser headers, an address) is taken: \(primctl.text)")
        XCTAssertEqual(primctl.text, "{\"accepted\":true,\"allow_rewrite\":false,\"force\":false}\n")
    }

    func testPrshsPageShowsPRsWithTheirChecksAndState() throws {
        let prsh = try PrshProcess(repo: repo)
        defer { _ = prsh.stop() }
        let opened = try prsh.open(
            ["state/prims/delta.yaml": Prims.yaml("delta", port: 3207, description: Self.hostile)],
            title: "Add <b>delta</b>")
        XCTAssertEqual(opened.status, 201, "\(opened.json)")
        let number = try XCTUnwrap(opened.number)
        let json = try HTTPClient.request("GET", prsh.url + "/", timeout: 5)
        XCTAssertTrue(json.text.contains("\"service\""), "an agent's GET / still gets JSON: \(json.text)")
        let dom = try Browser.dom(prsh.url + "/")
        let row = try XCTUnwrap(Browser.row(dom, "data-number=\"\(number)\""), dom)
        XCTAssertTrue(row.contains("Add &lt;b&gt;delta&lt;/b&gt;"), "the title is text: \(row)")
        XCTAssertFalse(dom.contains("<b>delta"), "no element came of the title")
        XCTAssertTrue(row.contains("data-check=\"validate\""), "its checks: \(row)")
        XCTAssertTrue(row.contains(Wallets.alice), "its author")
        try Browser.screenshot(prsh.url + "/", to: "prsh-prs.png")
    }
}

/// Headless Chromium, from Debian's `chromium` package.
enum Browser {
    static let binary = "/usr/bin/timeout"
    /// `timeout` ends a browser that hangs; the flags run it without a display or a sandbox (root).
    static let flags = [
        "60", "/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run",
    ]

    /// The page's DOM after the browser parsed and built it.
    static func dom(_ url: String) throws -> String {
        let result = try Command.run(binary, flags + ["--dump-dom", url])
        guard result.status == 0, result.stdout.contains("</html>") else {
            throw NSError(
                domain: "chromium", code: Int(result.status),
                userInfo: [NSLocalizedDescriptionKey: "chromium --dump-dom \(url) failed: \(result.stderr.suffix(800))"]
            )
        }
        return result.stdout
    }

    /// The `<tr …>…</tr>` whose opening tag holds `attribute`.
    static func row(_ dom: String, _ attribute: String) -> String? {
        guard let start = dom.range(of: "<tr class=\"\\w+\" \(attribute)>", options: .regularExpression) else {
            return nil
        }
        guard let end = dom.range(of: "</tr>", range: start.upperBound..<dom.endIndex) else { return nil }
        return String(dom[start.lowerBound..<end.upperBound])
    }

    /// A screenshot of the page in `.build/test-output/name`; fails unless a PNG was written.
    static func screenshot(_ url: String, to name: String) throws {
        let folder = Paths.repositoryRoot + "/.build/test-output"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = "\(folder)/\(name)"
        try? FileManager.default.removeItem(atPath: path)
        let result = try Command.run(
            binary, flags + ["--hide-scrollbars", "--window-size=1400,1000", "--screenshot=\(path)", url])
        let png = FileManager.default.contents(atPath: path) ?? Data()
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG at \(path)")
    }
}
