import Foundation
import PrimSystem
import XCTest

/// A Caddy as a freshly installed host has it: a config of global options only, with no HTTP app
/// yet. Its admin API answers 400 `invalid traversal path` for the HTTP servers; that is an empty
/// observation, and the first apply converges.
final class FreshCaddyTests: XCTestCase {
    func testACaddyWithNoHTTPAppIsAnEmptyObservationAndTheFirstApplyConverges() throws {
        let testbed = try Testbed.up()
        defer { testbed.down() }
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "fresh-secret").status, 0)
        // The same host config, its Caddy admin pointed at a Caddy started with global options only.
        let (port, http) = (try freePort(), try freePort())
        let home = "\(testbed.directory)/fresh-caddy"
        try FileManager.default.createDirectory(atPath: "\(home)/fragments", withIntermediateDirectories: true)
        // What install.sh's header holds: global options and the snippets prims import, no site.
        let header =
            "{\n\tadmin 127.0.0.1:\(port)\n\tauto_https off\n\tstorage file_system \(home)/storage\n\thttp_port \(http)\n\tdefault_bind 127.0.0.1\n}\n\n"
            + "(security_headers) {\n\theader {\n\t\tX-Content-Type-Options nosniff\n\t}\n}\n"
        try header.write(toFile: "\(home)/header.caddy", atomically: true, encoding: .utf8)
        try header.write(toFile: "\(home)/Caddyfile", atomically: true, encoding: .utf8)
        let caddy = Command.spawn(
            "/usr/bin/env",
            [
                "HOME=\(home)", "XDG_DATA_HOME=\(home)", "XDG_CONFIG_HOME=\(home)",
                "/usr/bin/caddy", "run", "--config", "\(home)/Caddyfile", "--adapter", "caddyfile",
            ],
            stdout: "\(home)/log", stderr: "\(home)/log")
        defer { kill(caddy, SIGTERM); _ = Command.wait(caddy) }
        let started = Date()
        var answer = (try? HTTPClient.request("GET", "http://127.0.0.1:\(port)/config/apps/http/servers", timeout: 2))
        while answer == nil && Date().timeIntervalSince(started) < 10 {
            usleep(50_000)
            answer = try? HTTPClient.request("GET", "http://127.0.0.1:\(port)/config/apps/http/servers", timeout: 2)
        }
        XCTAssertEqual(answer?.status, 400, "a Caddy with no HTTP app: \(answer?.text ?? "no answer")")
        XCTAssertTrue(answer?.text.contains("invalid traversal path") ?? false)
        let replaced = [
            "  admin: ": "http://127.0.0.1:\(port)", "  fragment_dir: ": "\(home)/fragments",
            "  http: ": "http://127.0.0.1:\(http)",
            "  header: ": "\(home)/header.caddy", "  main: ": "\(home)/Caddyfile",
        ]
        let config = try String(contentsOfFile: testbed.config, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in replaced.first { line.hasPrefix($0.key) }.map { $0.key + $0.value } ?? String(line) }.joined(
                separator: "\n")
        let fresh = "\(testbed.directory)/fresh-caddy.yaml"
        try config.write(toFile: fresh, atomically: true, encoding: .utf8)
        let state = try writeTree(ConvergedState.files())
        defer { try? FileManager.default.removeItem(atPath: state) }
        let diff = try Primctl.run(["diff", "--state", state, "--config", fresh])
        XCTAssertEqual(diff.status, 2, "a plan, not an error: " + diff.stdout + diff.stderr)
        let apply = try Primctl.run(["apply", "--state", state, "--yes", "--config", fresh])
        XCTAssertEqual(apply.status, 0, apply.stdout + apply.stderr)
        let alpha = try HTTPClient.request(
            "GET", "http://127.0.0.1:\(http)/", headers: ["Host": "alpha.prim.test"], timeout: 5)
        XCTAssertEqual(
            alpha.text, "{\"service\": \"alpha.sh\", \"status\": \"ok\"}", "the first apply loaded the routes")
    }
}
