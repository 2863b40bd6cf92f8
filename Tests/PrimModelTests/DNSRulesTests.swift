import PrimModel
import XCTest

/// What `validate` refuses in a zone file, each at its file, line and column.
final class DNSRulesTests: XCTestCase {
    func problems(_ zone: String, prims: [String: String] = [:]) -> [String] {
        var files = [
            "hosts/h.yaml": "address: 203.0.113.10\ndomain: prim.test\nrun: /bin/true\n", "dns/prim.test.yaml": zone,
        ]
        files.merge(prims) { _, new in new }
        let result = StateLoader.load(Fixtures.snapshot(files))
        return result.diagnostics.filter { $0.severity == .error }.map {
            "\($0.file):\($0.mark.line):\($0.mark.column) \($0.code)"
        }
    }

    func zone(_ records: String) -> String { "provider: powerdns\nrecords:\n" + records }

    func testTable() {
        let cases: [(String, String, [String])] = [
            (
                "a valid zone",
                zone(
                    "  - { name: \"@\", type: A, content: 203.0.113.10 }\n  - { name: mail, type: MX, content: \"10 mx.prim.test.\" }\n  - { name: \"@\", type: TXT, content: '\"v=spf1 -all\"' }\n  - { name: \"@\", type: CAA, content: '0 issue \"letsencrypt.org\"' }\n"
                ), []
            ),
            (
                "a CNAME beside other data",
                zone(
                    "  - { name: www, type: CNAME, content: prim.test. }\n  - { name: www, type: TXT, content: '\"x\"' }\n"
                ),
                ["dns/prim.test.yaml:3:24 dns-cname-conflict"]
            ),
            (
                "a CNAME at the apex", zone("  - { name: \"@\", type: CNAME, content: other.example. }\n"),
                ["dns/prim.test.yaml:3:24 dns-cname-apex"]
            ),
            (
                "a name outside the zone", zone("  - { name: www.example.com., type: A, content: 203.0.113.1 }\n"),
                ["dns/prim.test.yaml:3:13 dns-out-of-zone"]
            ),
            (
                "an unquoted TXT", zone("  - { name: \"@\", type: TXT, content: v=spf1 -all }\n"),
                ["dns/prim.test.yaml:3:38 dns-txt-unquoted"]
            ),
            (
                "an oversized TXT",
                zone("  - { name: \"@\", type: TXT, content: '\"\(String(repeating: "x", count: 256))\"' }\n"),
                ["dns/prim.test.yaml:3:38 dns-txt-too-long"]
            ),
            (
                "an MX without priority", zone("  - { name: mail, type: MX, content: mx.prim.test. }\n"),
                ["dns/prim.test.yaml:3:38 dns-mx-priority"]
            ),
            (
                "a bad A", zone("  - { name: x, type: A, content: 203.0.113.300 }\n"),
                ["dns/prim.test.yaml:3:34 dns-content"]
            ),
            (
                "an A with a leading zero", zone("  - { name: x, type: A, content: 010.0.0.1 }\n"),
                ["dns/prim.test.yaml:3:34 dns-content"]
            ),
            (
                "a short AAAA", zone("  - { name: x, type: AAAA, content: \"1:2:3\" }\n"),
                ["dns/prim.test.yaml:3:37 dns-content"]
            ),
            (
                "good AAAAs",
                zone(
                    "  - { name: x, type: AAAA, content: \"2001:db8::1\" }\n  - { name: y, type: AAAA, content: \"::ffff:192.0.2.1\" }\n  - { name: z, type: AAAA, content: \"1:2:3:4:5:6:7:8\" }\n"
                ), []
            ),
            (
                "a name with a space, a double dot, a long label",
                zone(
                    "  - { name: \"a b\", type: A, content: 192.0.2.1 }\n  - { name: \"a..b\", type: A, content: 192.0.2.1 }\n  - { name: \(String(repeating: "x", count: 64)), type: A, content: 192.0.2.1 }\n"
                ),
                [
                    "dns/prim.test.yaml:3:13 dns-name", "dns/prim.test.yaml:4:13 dns-name",
                    "dns/prim.test.yaml:5:13 dns-name",
                ]
            ),
            (
                "a wildcard and an underscore label",
                zone(
                    "  - { name: \"*\", type: A, content: 192.0.2.1 }\n  - { name: _dmarc, type: TXT, content: '\"v=DMARC1\"' }\n"
                ), []
            ),
            (
                "a record twice",
                zone("  - { name: x, type: A, content: 192.0.2.1 }\n  - { name: x, type: A, content: 192.0.2.1 }\n"),
                ["dns/prim.test.yaml:4:5 dns-duplicate"]
            ),
            (
                "the same AAAA written twice differently",
                zone("  - { name: x, type: AAAA, content: \"::1\" }\n  - { name: x, type: AAAA, content: \"0::1\" }\n"),
                ["dns/prim.test.yaml:4:5 dns-duplicate"]
            ),
            (
                "the same MX in two cases",
                zone(
                    "  - { name: m, type: MX, content: \"10 mail.prim.test.\" }\n  - { name: m, type: MX, content: \"10 MAIL.prim.test\" }\n"
                ), ["dns/prim.test.yaml:4:5 dns-duplicate"]
            ),
            (
                "a bad CNAME target", zone("  - { name: x, type: CNAME, content: \"not..a.name.\" }\n"),
                ["dns/prim.test.yaml:3:38 dns-content"]
            ),
            (
                "a CAA with a bad tag", zone("  - { name: \"@\", type: CAA, content: '0 bad!tag \"x\"' }\n"),
                ["dns/prim.test.yaml:3:38 dns-content"]
            ),
            (
                "a zone TTL out of range", "provider: powerdns\nttl: -5\nrecords: []\n",
                ["dns/prim.test.yaml:2:6 dns-ttl"]
            ),
            ("no provider", "provider: \"\"\nrecords: []\n", ["dns/prim.test.yaml:1:1 dns-provider"]),
        ]
        for (name, text, expected) in cases {
            XCTAssertEqual(problems(text), expected, name)
        }
    }

    func testAPrimCannotTakeOverANameTheZoneFilePointsSomewhere() {
        let prims = ["prims/mail.yaml": "id: mail\nstatus: testing\nport: 3001\n"]
        XCTAssertEqual(
            problems(zone("  - { name: mail, type: A, content: 203.0.113.25 }\n"), prims: prims),
            ["prims/mail.yaml:1:5 dns-endpoint-taken"])
        XCTAssertEqual(
            problems(zone("  - { name: mail, type: TXT, content: '\"x\"' }\n"), prims: prims), [],
            "other data beside A is fine")
    }

    func testAnEndpointBelowADelegationIsRefused() {
        XCTAssertEqual(
            problems(
                zone("  - { name: deleg, type: NS, content: ns.example.net. }\n"),
                prims: ["prims/a.yaml": "id: a\nstatus: testing\nport: 3001\nendpoint: x.deleg.prim.test\n"]),
            ["prims/a.yaml:4:11 dns-delegated"])
    }

    func testADefaultEndpointMustBeAHostName() {
        XCTAssertEqual(
            problems(zone(""), prims: ["prims/bad-.yaml": "id: bad-\nstatus: testing\nport: 3001\n"]),
            ["prims/bad-.yaml:1:5 invalid-endpoint"])
    }

    func testAPrimEndpointInNoZoneAndACNAMEAtAPrimsName() {
        let prims = [
            "prims/a.yaml": "id: a\nstatus: testing\nport: 3001\nendpoint: a.example.com\n",
            "prims/b.yaml": "id: b\nstatus: testing\nport: 3002\n",
        ]
        XCTAssertEqual(
            problems(zone("  - { name: b, type: CNAME, content: elsewhere.example. }\n"), prims: prims),
            [
                "dns/prim.test.yaml:3:22 dns-cname-conflict", "prims/a.yaml:4:11 dns-no-zone",
                "prims/b.yaml:1:5 dns-endpoint-taken",
            ])
    }
}
