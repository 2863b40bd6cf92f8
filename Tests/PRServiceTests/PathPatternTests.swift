import PRService
import XCTest

final class PathPatternTests: XCTestCase {
    func testGlobsAsPolicyWritesThem() {
        let table: [(String, String, Bool)] = [
            ("prims/*.yaml", "prims/echo.yaml", true),
            ("prims/*.yaml", "prims/echo.yml", false),
            ("prims/*.yaml", "prims/sub/echo.yaml", false),
            ("prims/*.yaml", "prims/.yaml", true),
            ("packages/*/**", "packages/echo/src/index.ts", true),
            ("packages/*/**", "packages/echo/prim.yaml", true),
            ("packages/*/**", "packages/echo", true),
            ("packages/*/**", "packages", false),
            ("hosts/**", "hosts/vps.yaml", true),
            ("hosts/**", "hostsx/vps.yaml", false),
            ("policy.yaml", "policy.yaml", true),
            ("policy.yaml", "prims/policy.yaml", false),
            ("**/secret-*.yaml", "a/b/secret-x.yaml", true),
            ("**/secret-*.yaml", "secret-x.yaml", true),
            ("prims/e?ho.yaml", "prims/echo.yaml", true),
            ("prims/e?ho.yaml", "prims/eecho.yaml", false),
        ]
        for (pattern, path, expected) in table {
            XCTAssertEqual(PathPattern(pattern).matches(path), expected, "\(pattern) ~ \(path)")
        }
    }
}
