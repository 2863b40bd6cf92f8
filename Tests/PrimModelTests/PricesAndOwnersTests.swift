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

        let bad = load(["policy.yaml": "prices:\n  open: \"$0\"\n  close: \"$0.0000001\"\n  approve: free\n  refund: \"$1\"\n"])
        XCTAssertEqual(codes(bad), ["policy.yaml:2:9 invalid-price", "policy.yaml:3:10 invalid-price", "policy.yaml:4:12 invalid-price",
                                    "policy.yaml:5:3 unknown-key"])
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
              - route: "GET /v1/objects/:id"
                example: /v1/other/1
              - route: "DELETE /v1/objects/:id"
                example: /v1/objects/obj_1
                price: "$0.002"

            """
        let result = load(["prims/box.yaml": prim, "policy.yaml": "promotion:\n  min_testing_minutes: -1\n"])
        XCTAssertEqual(codes(result), ["policy.yaml:2:24 invalid-number", "prims/box.yaml:6:12 invalid-price", "prims/box.yaml:8:14 invalid-example"])
        let messages = result.errors.map(\.message)
        XCTAssertTrue(messages[1].hasPrefix("route 'PUT /v1/objects': price '$0.0000001' must be"), messages[1])
        XCTAssertTrue(messages[2].contains("like '/v1/objects/example-id'"), messages[2])
        XCTAssertEqual(load(["policy.yaml": "promotion:\n  min_testing_minutes: 0\n"]).state.policy.minTestingMinutes, 0)
        XCTAssertEqual(load([:]).state.policy.minTestingMinutes, 10)
    }
}
