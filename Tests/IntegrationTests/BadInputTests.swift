import Foundation
import XCTest

/// Every rejection names the file, line, column and code, and `primctl validate` exits 1.
final class BadInputTests: XCTestCase {
    struct Case {
        var name: String
        var files: [String: String]
        var bytes: [String: [UInt8]] = [:]
        var symlinks: [String: String] = [:]
        /// `file:line:col code` of the diagnostic that must be reported.
        var expected: String
        /// Text the message must contain (a hint, a path).
        var mentions: String? = nil
    }

    static let host = ["hosts/h.yaml": "domain: prim.sh\n"]

    static func prim(_ body: String, file: String = "prims/a.yaml") -> [String: String] {
        host.merging([file: body]) { a, _ in a }
    }

    static let cases: [Case] = [
        Case(
            name: "unclosed flow sequence", files: prim("id: a\nenv: [A, B\nport: 3000\n"),
            expected: "prims/a.yaml:2:6 yaml-syntax"),
        Case(
            name: "tab indentation", files: prim("id: a\ndeploy:\n\taccess_log: true\n"),
            expected: "prims/a.yaml:3:1 yaml-syntax"),
        Case(
            name: "duplicate key", files: prim("id: a\nport: 3000\nport: 3001\n"),
            expected: "prims/a.yaml:3:1 duplicate-key", mentions: "line 2, column 1"),
        Case(
            name: "nested duplicate key", files: prim("id: a\ndeploy:\n  access_log: true\n  access_log: false\n"),
            expected: "prims/a.yaml:4:3 duplicate-key"),
        Case(
            name: "upper-case id", files: prim("id: Search\n", file: "prims/Search.yaml"),
            expected: "prims/Search.yaml:1:5 invalid-id"),
        Case(
            name: "id over 40 characters",
            files: prim(
                "id: \(String(repeating: "a", count: 41))\n", file: "prims/\(String(repeating: "a", count: 41)).yaml"),
            expected: "prims/\(String(repeating: "a", count: 41)).yaml:1:5 invalid-id"),
        Case(
            name: "id differs from file name", files: prim("id: b\n"), expected: "prims/a.yaml:1:5 id-mismatch",
            mentions: "prims/b.yaml"),
        Case(
            name: "id declared twice", files: prim("id: a\n").merging(["prims/a.yml": "id: a\n"]) { a, _ in a },
            expected: "prims/a.yml:1:5 duplicate-id", mentions: "prims/a.yaml:1:5"),
        Case(name: "missing id", files: prim("name: a.sh\n"), expected: "prims/a.yaml:1:1 missing-key"),
        Case(name: "port below 1024", files: prim("id: a\nport: 80\n"), expected: "prims/a.yaml:2:7 port-range"),
        Case(name: "port above 65535", files: prim("id: a\nport: 70000\n"), expected: "prims/a.yaml:2:7 port-range"),
        Case(
            name: "port whose hand-over port is past 65535", files: prim("id: a\nport: 60000\n"),
            expected: "prims/a.yaml:2:7 port-range"),
        Case(name: "port not a number", files: prim("id: a\nport: high\n"), expected: "prims/a.yaml:2:7 type-mismatch"),
        Case(
            name: "port used twice on one host",
            files: prim("id: a\nport: 3000\n").merging(["prims/b.yaml": "id: b\nname: b.sh\nport: 3000\n"]) { a, _ in a
            },
            expected: "prims/b.yaml:3:7 duplicate-port", mentions: "prims/a.yaml:2:7"),
        Case(
            name: "port another prim's new versions start on",
            files: prim("id: a\nport: 3000\n").merging(["prims/b.yaml": "id: b\nname: b.sh\nport: 13000\n"]) { a, _ in a
            },
            expected: "prims/b.yaml:3:7 duplicate-port", mentions: "prims/a.yaml:2:7"),
        Case(
            name: "endpoint not a host name", files: prim("id: a\nendpoint: Search_Prim\n"),
            expected: "prims/a.yaml:2:11 invalid-endpoint"),
        Case(
            name: "endpoint served twice",
            files: prim("id: a\nstatus: live\nport: 3000\nendpoint: x.prim.sh\n")
                .merging(["prims/b.yaml": "id: b\nstatus: live\nport: 3001\nendpoint: x.prim.sh\n"]) { a, _ in a },
            expected: "prims/b.yaml:4:11 duplicate-endpoint", mentions: "prims/a.yaml:4:11"),
        Case(
            name: "unknown status", files: prim("id: a\nstatus: mainet\n"), expected: "prims/a.yaml:2:9 unknown-status",
            mentions: "did you mean 'mainnet'"),
        Case(
            name: "deployed without port", files: prim("id: a\nstatus: live\n"),
            expected: "prims/a.yaml:2:9 missing-port"),
        Case(
            name: "misspelled deploy key", files: prim("id: a\ndeploy:\n  acess_log: true\n"),
            expected: "prims/a.yaml:3:3 unknown-deploy-key",
            mentions: "did you mean 'access_log'"),
        Case(
            name: "misspelled health key", files: prim("id: a\ndeploy:\n  health:\n    pth: /\n"),
            expected: "prims/a.yaml:4:5 unknown-deploy-key",
            mentions: "did you mean 'path'"),
        Case(
            name: "bad restart policy", files: prim("id: a\ndeploy:\n  restart: sometimes\n"),
            expected: "prims/a.yaml:3:12 invalid-restart"),
        Case(
            name: "bad body size", files: prim("id: a\ndeploy:\n  max_body_size: huge\n"),
            expected: "prims/a.yaml:3:18 invalid-size"),
        Case(
            name: "extra_caddy left open",
            files: prim("id: a\ndeploy:\n  extra_caddy:\n    - |\n      mail.prim.sh {\n        respond ok\n"),
            expected: "prims/a.yaml:5:20 caddy-braces"),
        Case(
            name: "extra_caddy closes too much", files: prim("id: a\ndeploy:\n  extra_caddy:\n    - \"a { } }\"\n"),
            expected: "prims/a.yaml:4:14 caddy-braces"),
        Case(
            name: "newline in command", files: prim("id: a\ndeploy:\n  command: \"run\\nExecStartPre=/bin/evil\"\n"),
            expected: "prims/a.yaml:3:12 unsafe-value"),
        Case(
            name: "NUL in description", files: prim("id: a\ndescription: \"a\\0b\"\n"),
            expected: "prims/a.yaml:2:14 unsafe-value"),
        Case(
            name: "env key not a name", files: prim("id: a\nenv:\n  - 1BAD\n"),
            expected: "prims/a.yaml:3:5 invalid-env-key"),
        Case(name: "env not a list", files: prim("id: a\nenv: PORT\n"), expected: "prims/a.yaml:2:6 type-mismatch"),
        Case(
            name: "two documents", files: prim("id: a\n---\nid: b\n"), expected: "prims/a.yaml:3:1 multiple-documents"),
        Case(
            name: "not UTF-8", files: host, bytes: ["prims/a.yaml": Array("id: a\nname: ".utf8) + [0xFF, 0x0A]],
            expected: "prims/a.yaml:2:7 not-utf8"),
        Case(
            name: "file too large",
            files: host.merging(["prims/a.yaml": "id: a\n# " + String(repeating: "x", count: 1 << 20) + "\n"]) { a, _ in
                a
            },
            expected: "prims/a.yaml:1:1 file-too-large"),
        Case(
            name: "symlink leaving the root", files: host, symlinks: ["prims/a.yaml": "/etc/hostname"],
            expected: "prims/a.yaml:1:1 symlink-escape"),
        Case(
            name: "a newline in name (it is written into the unit)",
            files: host.merging([
                "prims/a.yaml": "id: a\nname: \"x\\n[Service]\\nExecStartPre=+/bin/id\"\nstatus: testing\nport: 3300\n"
            ]) { a, _ in a },
            expected: "prims/a.yaml:2:7 unsafe-value"),
        Case(
            name: "CRLF in name (Swift reads it as one Character)",
            files: host.merging([
                "prims/a.yaml":
                    "id: a\nname: \"x\\r\\n[Service]\\r\\nExecStartPre=+/bin/id\"\nstatus: testing\nport: 3300\n"
            ]) { a, _ in a },
            expected: "prims/a.yaml:2:7 unsafe-value"),
        Case(
            name: "CRLF in a command",
            files: host.merging([
                "prims/a.yaml":
                    "id: a\nstatus: testing\nport: 3300\ndeploy:\n  command: \"/bin/true\\r\\nExecStartPost=+/bin/id\"\n"
            ]) { a, _ in a },
            expected: "prims/a.yaml:5:12 unsafe-value"),
        Case(
            name: "CRLF in systemd_after",
            files: host.merging([
                "prims/a.yaml":
                    "id: a\nstatus: testing\nport: 3300\ndeploy:\n  systemd_after: [\"a.service\\r\\nExecStartPre=+/bin/id\"]\n"
            ]) { a, _ in a },
            expected: "prims/a.yaml:5:19 unsafe-value"),
        Case(
            name: "a Unicode line separator in description",
            files: host.merging(["prims/a.yaml": "id: a\ndescription: \"x\\u2028y\"\nstatus: testing\nport: 3300\n"]) {
                a, _ in a
            },
            expected: "prims/a.yaml:2:14 unsafe-value"),
        Case(
            name: "a command with systemd's + prefix (root)",
            files: host.merging([
                "prims/a.yaml": "id: a\nstatus: testing\nport: 3300\ndeploy:\n  command: \"+/bin/sh -c id\"\n"
            ]) { a, _ in a },
            expected: "prims/a.yaml:5:12 invalid-command"),
        Case(
            name: "a command with systemd's ! prefix",
            files: host.merging([
                "prims/a.yaml": "id: a\nstatus: testing\nport: 3300\ndeploy:\n  command: \"!!/bin/id\"\n"
            ]) { a, _ in a },
            expected: "prims/a.yaml:5:12 invalid-command"),
        Case(
            name: "a memory size too large to count",
            files: host.merging([
                "prims/a.yaml": "id: a\nstatus: testing\nport: 3300\ndeploy:\n  memory_max: 99999999999999999T\n"
            ]) { a, _ in a },
            expected: "prims/a.yaml:5:15 invalid-size"),
        Case(
            name: "a package folder linked to /etc", files: host, symlinks: ["packages/search": "/etc"],
            expected: "packages/search/prim.yaml:1:1 symlink-escape"),
        Case(
            name: "a package folder linked to a package outside", files: host,
            symlinks: ["packages/search": Paths.repo("Tests/Fixtures/upstream-prim.sh-5594918/packages/search")],
            expected: "packages/search/prim.yaml:1:1 symlink-escape"),
        Case(
            name: "secret for an unknown prim",
            files: prim("id: search\n", file: "prims/search.yaml")
                .merging(["secrets/KEY.yaml": "prims: [serch]\nexternal: true\n"]) { a, _ in a },
            expected: "secrets/KEY.yaml:1:9 unknown-prim", mentions: "if 'serch' is a typo of 'search', correct it"),
        Case(
            name: "secret without a source", files: host.merging(["secrets/KEY.yaml": "prims: []\n"]) { a, _ in a },
            expected: "secrets/KEY.yaml:1:1 secret-source"),
        Case(
            name: "plain secret value committed",
            files: host.merging(["secrets/KEY.yaml": "prims: []\nencrypted: hunter2\n"]) { a, _ in a },
            expected: "secrets/KEY.yaml:2:12 secret-plaintext"),
        Case(
            name: "unknown host for a prim",
            files: ["hosts/vps.yaml": "domain: prim.sh\n", "prims/a.yaml": "id: a\ndeploy:\n  host: vsp\n"],
            expected: "prims/a.yaml:3:9 unknown-host", mentions: "did you mean 'vps'"),
        Case(
            name: "two hosts and no deploy.host",
            files: prim("id: a\nstatus: live\nport: 3000\n").merging(["hosts/g.yaml": "domain: prim.sh\n"]) { a, _ in a
            },
            expected: "prims/a.yaml:2:9 missing-host"),
        Case(
            name: "bad host address", files: ["hosts/h.yaml": "domain: prim.sh\naddress: 300.1.1.1\n"],
            expected: "hosts/h.yaml:2:10 invalid-address"),
        Case(
            name: "misspelled host key", files: ["hosts/h.yaml": "domain: prim.sh\nadress: 1.2.3.4\n"],
            expected: "hosts/h.yaml:2:1 unknown-key",
            mentions: "did you mean 'address'"),
        Case(
            name: "host name differs from file", files: ["hosts/h.yaml": "name: other\ndomain: prim.sh\n"],
            expected: "hosts/h.yaml:1:7 name-mismatch"),
        Case(
            name: "host without domain", files: ["hosts/h.yaml": "address: 1.2.3.4\n"],
            expected: "hosts/h.yaml:1:1 missing-key"),
        Case(
            name: "bad DNS record type",
            files: host.merging([
                "dns/prim.sh.yaml": "provider: powerdns\nrecords:\n  - { name: a, type: AAA, content: x }\n"
            ]) { a, _ in a },
            expected: "dns/prim.sh.yaml:3:22 invalid-record-type", mentions: "did you mean 'AAAA'"),
        Case(
            name: "zone with an unknown provider",
            files: host.merging(["dns/prim.sh.yaml": "provider: cloudflar\n"]) { a, _ in a },
            expected: "dns/prim.sh.yaml:1:1 unknown-provider"),
        Case(
            name: "misspelled policy key", files: host.merging(["policy.yaml": "agent_path: []\n"]) { a, _ in a },
            expected: "policy.yaml:1:1 unknown-key", mentions: "did you mean 'agent_paths'"),
        Case(
            name: "upstream registry entry not a mapping", files: ["primitives.yaml": "primitives:\n  - search\n"],
            expected: "primitives.yaml:2:5 type-mismatch"),
        Case(
            name: "upstream package id differs from its directory",
            files: ["primitives.yaml": "primitives: []\n", "packages/foo/prim.yaml": "id: bar\n"],
            expected: "packages/foo/prim.yaml:1:5 id-mismatch"),
    ]

    func testEveryCaseIsRejectedAtItsPosition() throws {
        XCTAssertGreaterThanOrEqual(Self.cases.count, 30)
        for testCase in Self.cases {
            let root = try writeTree(testCase.files, bytes: testCase.bytes)
            defer { try? FileManager.default.removeItem(atPath: root) }
            for (link, target) in testCase.symlinks {
                try FileManager.default.createDirectory(
                    atPath: (("\(root)/\(link)") as NSString).deletingLastPathComponent,
                    withIntermediateDirectories: true)
                try FileManager.default.createSymbolicLink(atPath: "\(root)/\(link)", withDestinationPath: target)
            }
            let result = try Primctl.run(["validate", "--state", root, "--format", "json"])
            XCTAssertEqual(result.status, 1, "\(testCase.name): exit code\n\(result.stdout)\(result.stderr)")
            let document = try XCTUnwrap(
                try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], testCase.name)
            let diagnostics = document["diagnostics"] as? [[String: Any]] ?? []
            let found = diagnostics.map { d -> String in
                let file = (d["file"] as? String ?? "").replacingOccurrences(of: root + "/", with: "")
                return "\(file):\(d["line"] ?? 0):\(d["column"] ?? 0) \(d["code"] ?? "")"
            }
            XCTAssertTrue(
                found.contains(testCase.expected), "\(testCase.name): expected \(testCase.expected), got \(found)")
            if let mentions = testCase.mentions {
                let messages = diagnostics.filter {
                    ($0["code"] as? String) == testCase.expected.split(separator: " ").last.map(String.init)
                }
                .compactMap { $0["message"] as? String }
                XCTAssertTrue(
                    messages.contains { $0.contains(mentions) },
                    "\(testCase.name): a message must mention \(mentions): \(messages)")
            }
            XCTAssertEqual(document["valid"] as? Bool, false, testCase.name)
        }
    }

    func testHumanFormatIsPathLineColumn() throws {
        let root = try writeTree(Self.prim("id: a\nport: 80\n"))
        defer { try? FileManager.default.removeItem(atPath: root) }
        let result = try Primctl.run(["validate", "--state", root])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(
            result.stdout.hasPrefix(
                "\(root)/prims/a.yaml:2:7: error: port 80 is out of range; use a port between 1024 and 55535 (a prim's new version starts on its port + 10000) [port-range]\n"
            ), result.stdout)
        XCTAssertTrue(result.stdout.hasSuffix("1 error, 0 warnings.\n"), result.stdout)
    }

    func testOneRunReportsEveryProblem() throws {
        let root = try writeTree(Self.prim("id: a\nport: 80\nstatus: mainet\ndeploy:\n  acess_log: true\n"))
        defer { try? FileManager.default.removeItem(atPath: root) }
        let result = try Primctl.run(["validate", "--state", root, "--format", "json"])
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(document?["error_count"] as? Int, 3)
    }

    func testMissingStateDirectoryIsAnError() throws {
        let result = try Primctl.run(["validate", "--state", "/nonexistent/prim-state"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("state directory '/nonexistent/prim-state' does not exist"), result.stderr)
    }
}
