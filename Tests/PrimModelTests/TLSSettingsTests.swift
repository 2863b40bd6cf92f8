import PrimModel
import XCTest

/// `tls:` in the host config, and what it needs of the state, each problem at its line and column.
final class TLSSettingsTests: XCTestCase {
    func parse(_ text: String) -> (HostConfig, [String]) {
        let (config, diagnostics) = HostConfig.parse(Array(text.utf8), file: "/etc/prim/primd.yaml")
        return (config, diagnostics.map { "\($0.line):\($0.column) \($0.code)" })
    }

    func testCertificatesAndTheirSettingsAreRead() {
        let (config, problems) = parse(
            """
            tls:
              acme: https://ca.test/dir
              contact: [mailto:ops@prim.test]
              renew_before: 30d
              certificates:
                - names: ["*.prim.test", Prim.Test]
            """)
        XCTAssertEqual(problems, [])
        let tls = config.tls
        XCTAssertEqual(tls?.directory, "https://ca.test/dir")
        XCTAssertEqual(tls?.renewBeforeSeconds, 30 * 86_400)
        XCTAssertEqual(tls?.certificates.map(\.names), [["*.prim.test", "prim.test"]])
        XCTAssertEqual(tls?.store, "/etc/prim/tls")
        XCTAssertEqual(tls?.paths.bundle("*.prim.test"), "/etc/prim/tls/live/_.prim.test.pem")
        let certificate = tls!.certificates[0]
        XCTAssertTrue(certificate.covers("search.prim.test"))
        XCTAssertTrue(certificate.covers("prim.test"))
        XCTAssertFalse(certificate.covers("a.b.prim.test"), "a wildcard covers one label")
        XCTAssertFalse(certificate.covers("prim.test.evil"))
    }

    func testBadNamesAndValuesAreRefusedWhereTheyAre() {
        let (config, problems) = parse(
            """
            tls:
              acme: http://ca.test/dir
              renew_before: soon
              contact: [ops@prim.test]
              certificates:
                - names: ["*.*.prim.test", "a.*.prim.test", "*x.prim.test", "com", "prim.test", prim.test]
            """)
        XCTAssertEqual(
            problems,
            [
                "2:9 invalid-url", "3:17 invalid-duration", "4:13 invalid-contact", "6:15 tls-name", "6:32 tls-name",
                "6:49 tls-name", "6:65 tls-name", "6:85 tls-duplicate",
            ])
        XCTAssertEqual(config.tls?.certificates.map(\.names), [["prim.test"]])
    }

    func state(_ provider: String = "powerdns") -> DesiredState {
        let files = [
            "hosts/h.yaml": "address: 203.0.113.10\ndomain: prim.test\nrun: /bin/true\n",
            "dns/prim.test.yaml": "provider: \(provider)\n",
        ]
        return StateLoader.load(StateSnapshot(entries: files.mapValues { .file(Array($0.utf8)) })).state
    }

    func testNamesMustBeInAZoneThisHostWritesTXTRecordsTo() {
        let text = """
            dns: {provider: powerdns, server: "127.0.0.1:53"}
            tls:
              certificates:
                - names: ["*.prim.test", "other.test"]
            """
        let (config, _) = parse(text)
        let problems = TLSRules.check(config, state()).map { "\($0.file):\($0.line):\($0.column) \($0.code)" }
        XCTAssertEqual(problems, ["/etc/prim/primd.yaml:4:30 tls-out-of-zone"])
        let elsewhere = TLSRules.check(config, state("cloudflare")).map { "\($0.line):\($0.column) \($0.code)" }
        XCTAssertEqual(elsewhere, ["4:15 tls-provider", "4:30 tls-out-of-zone"])
        let (noServer, _) = parse(text.replacingOccurrences(of: ", server: \"127.0.0.1:53\"", with: ""))
        XCTAssertEqual(TLSRules.check(noServer, state()).map(\.code), ["tls-dns-server", "tls-out-of-zone"])
    }
}
