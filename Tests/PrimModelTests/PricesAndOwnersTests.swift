import PrimModel
import XCTest

/// policy.yaml's `prices` (what pr.sh charges) and pr.sh's owner records.
final class PricesAndOwnersTests: XCTestCase {
    func load(_ files: [String: String]) -> LoadResult {
        StateLoader.load(StateSnapshot(entries: files.mapValues { .file(Array($0.utf8)) }))
    }

    func codes(_ result: LoadResult) -> [String] {
        result.errors.map { "\($0.file):\($0.mark.line):\($0.mark.column) \($0.code)" }
    }

    func testPricesAreUSDCAmountsAboveZero() {
        let good = load(["policy.yaml": "prices:\n  open: \"$0.10\"\n  merge: 0.02\n"])
        XCTAssertEqual(codes(good), [])
        XCTAssertEqual(good.state.policy.prices.open, 100_000)
        XCTAssertEqual(good.state.policy.prices.merge, 20_000)
        XCTAssertEqual(good.state.policy.prices.close, 10_000, "unset prices keep their defaults")

        let bad = load([
            "policy.yaml": "prices:\n  open: \"$0\"\n  close: \"$0.0000001\"\n  approve: free\n  refund: \"$1\"\n"
        ])
        XCTAssertEqual(
            codes(bad),
            [
                "policy.yaml:2:9 invalid-price", "policy.yaml:3:10 invalid-price", "policy.yaml:4:12 invalid-price",
                "policy.yaml:5:3 unknown-key",
            ])
        XCTAssertTrue(bad.errors[0].message.contains("a price of zero is not allowed"), bad.errors[0].message)
    }

    func testOwnerRecords() {
        let result = load(["owners/echo.yaml": "wallet: 0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266\npr: 4\n"])
        XCTAssertEqual(codes(result), [])
        XCTAssertEqual(result.state.owner(of: "echo"), "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")
        XCTAssertNil(result.state.owner(of: "other"))
        XCTAssertEqual(codes(load(["owners/echo.yaml": "wallet: alice\n"])), ["owners/echo.yaml:1:9 invalid-owner"])
    }

    func testRoutePricesExamplesAndPromotionAreCheckedWhereWritten() {
        let prim = """
            id: box
            status: testing
            port: 3300
            routes_map:
              - route: "PUT /v1/objects"
                price: "$0.0000001"
                errors: [{ status: 402 }]
              - route: "GET /v1/objects/:id"
                example: /v1/other/1
              - route: "DELETE /v1/objects/:id"
                example: /v1/objects/obj_1
                price: "$0.002"
              - route: "POST /v1/a b"
              - route: "GET /v1/objects/:id/raw"
                example: /v1/objects/../raw
              - route: "POST /v1/quote"
                errors: [{ status: "402" }]
            pricing:
              - { op: put, price: "0.01" }
              - { op: get, price: "$-1" }
              - { op: storage, price: "$0.02/GB/mo" }
              - { op: quote, price: "dynamic" }
            deploy:
              memory_max: 256MB

            """
        let result = load(["prims/box.yaml": prim, "policy.yaml": "promotion:\n  min_testing_minutes: -1\n"])
        XCTAssertEqual(
            codes(result),
            [
                "policy.yaml:2:24 invalid-number", "prims/box.yaml:6:12 invalid-price",
                "prims/box.yaml:9:14 invalid-example",
                "prims/box.yaml:12:12 invalid-price", "prims/box.yaml:13:12 invalid-route",
                "prims/box.yaml:15:14 invalid-example",
                "prims/box.yaml:17:24 invalid-status", "prims/box.yaml:19:23 invalid-price",
                "prims/box.yaml:20:23 invalid-price",
                "prims/box.yaml:24:15 invalid-size",
            ])
        let messages = result.errors.map(\.message)
        XCTAssertTrue(messages[1].hasPrefix("route 'PUT /v1/objects': price '$0.0000001' must be"), messages[1])
        XCTAssertTrue(messages[2].contains("like '/v1/objects/example-id'"), messages[2])
        XCTAssertTrue(messages[3].contains("route 'DELETE /v1/objects/:id' has a price but is free"), messages[3])
        XCTAssertTrue(messages[4].contains("must be ASCII with no spaces"), messages[4])
        XCTAssertTrue(messages[6].contains("must be an HTTP status as a number, like 402 (not quoted)"), messages[6])
        XCTAssertTrue(messages[7].contains("is a bare number; write dollars as \"$0.01\""), messages[7])
        XCTAssertTrue(messages[8].contains("'$-1' must be a USDC amount above zero"), messages[8])
        XCTAssertTrue(messages[9].contains("memory_max '256MB' must be a size systemd's MemoryMax= takes"), messages[9])
        for size in ["256M", "1G", "50%", "infinity", "1073741824"] {
            XCTAssertEqual(
                codes(load(["prims/m.yaml": "id: m\nstatus: testing\nport: 3301\ndeploy:\n  memory_max: \(size)\n"])),
                [], size)
        }
        for size in ["1GiB", "1g", "256MB", "101%", "0", "0%", "0M", "512", "512K"] {
            XCTAssertEqual(
                codes(load(["prims/m.yaml": "id: m\nstatus: testing\nport: 3301\ndeploy:\n  memory_max: \(size)\n"])),
                ["prims/m.yaml:5:15 invalid-size"], size)
        }
        XCTAssertEqual(
            load(["policy.yaml": "promotion:\n  min_testing_minutes: 0\n"]).state.policy.minTestingMinutes, 0)
        XCTAssertEqual(load([:]).state.policy.minTestingMinutes, 10)
    }

    /// Values that validate as text but that systemd refuses, or that make every x402 challenge
    /// wrong: refused where written.
    func testCommandsSystemdRefusesAndHostPaymentValuesAreRefusedWhereWritten() {
        func command(_ text: String) -> [String] {
            codes(load(["prims/c.yaml": "id: c\nstatus: testing\nport: 3301\ndeploy:\n  command: '\(text)'\n"]))
        }
        XCTAssertEqual(command("/usr/bin/python3 server.py ; /bin/sh -c id"), ["prims/c.yaml:5:12 invalid-command"])
        XCTAssertEqual(command("/usr/bin/python3 server.py --name %x"), ["prims/c.yaml:5:12 invalid-command"])
        for fine in [
            "/usr/bin/python3 server.py --name %n", "/usr/bin/python3 server.py --discount 50%%",
            "/usr/bin/python3 server.py a\\;b", "/bin/echo 100%",
        ] {
            XCTAssertEqual(command(fine), [], fine)
        }
        let messages = load(["prims/c.yaml": "id: c\nstatus: testing\nport: 3301\ndeploy:\n  command: /bin/echo %x\n"])
            .errors.map(\.message)
        XCTAssertTrue(
            messages.first?.contains("'%x', which is not one of systemd's specifiers") ?? false, "\(messages)")

        let host = load([
            "hosts/h.yaml": "domain: prim.test\nenv:\n  PRIM_PAY_TO: alice\n  PRIM_NETWORK: base\n  OTHER: anything\n"
        ])
        XCTAssertEqual(codes(host), ["hosts/h.yaml:3:16 invalid-env-value", "hosts/h.yaml:4:17 invalid-env-value"])
        XCTAssertTrue(
            host.errors[0].message.contains("PRIM_PAY_TO 'alice' is not an EVM address"), host.errors[0].message)
        XCTAssertTrue(
            host.errors[1].message.contains("eip155:8453 (Base) or eip155:84532 (Base Sepolia)"), host.errors[1].message
        )
        // The gate's own rule: ASCII hex, EIP-55 checksummed or lower case; a network prim knows USDC on.
        for bad in [
            "0x000000000000000000000000000000000000DEAD", "0x" + String(repeating: "\u{FF10}", count: 40),
            "0X000000000000000000000000000000000000dEaD",
        ] {
            XCTAssertEqual(
                codes(load(["hosts/h.yaml": "domain: prim.test\nenv:\n  PRIM_PAY_TO: '\(bad)'\n"])),
                ["hosts/h.yaml:3:16 invalid-env-value"], bad)
        }
        XCTAssertEqual(
            codes(
                load([
                    "hosts/h.yaml":
                        "domain: prim.test\nenv:\n  PRIM_PAY_TO: '0x000000000000000000000000000000000000dead'\n"
                ])), [])
        XCTAssertEqual(
            codes(load(["hosts/h.yaml": "domain: prim.test\nenv:\n  PRIM_NETWORK: eip155:8543\n"])),
            ["hosts/h.yaml:3:17 invalid-env-value"])
        // systemd 252 has no %D; a trailing backslash continues the unit file's line into the next setting.
        XCTAssertEqual(command("/usr/bin/python3 server.py %D"), ["prims/c.yaml:5:12 invalid-command"])
        XCTAssertEqual(command("/usr/bin/python3 server.py good \\"), ["prims/c.yaml:5:12 unsafe-value"])
        XCTAssertEqual(
            codes(load(["prims/d.yaml": "id: d\nname: 'd.sh \\'\nstatus: idea\n"])), ["prims/d.yaml:2:7 unsafe-value"])
        XCTAssertEqual(
            codes(load(["prims/m.yaml": "id: m\nstatus: testing\nport: 3301\ndeploy:\n  memory_max: 999999999999T\n"])),
            ["prims/m.yaml:5:15 invalid-size"])
        XCTAssertEqual(
            codes(load(["prims/m.yaml": "id: m\nstatus: testing\nport: 3301\ndeploy:\n  memory_max: 16777215T\n"])), [])
        XCTAssertEqual(
            codes(
                load([
                    "hosts/h.yaml":
                        "domain: prim.test\nenv:\n  PRIM_PAY_TO: '0x000000000000000000000000000000000000dEaD'\n  PRIM_NETWORK: eip155:84532\n"
                ])), [])
    }
}
