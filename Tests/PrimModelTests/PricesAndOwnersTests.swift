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
}
