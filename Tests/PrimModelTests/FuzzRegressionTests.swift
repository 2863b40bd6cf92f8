import PrimModel
import XCTest

/// Every input that ever crashed or stalled the loader (scripts/fuzz-loader keeps them in
/// Tests/Fuzz/regressions, with the byte the fuzz target reads first to pick the file's path).
/// A crash fails the run; the ones we know the answer for are checked for it.
final class FuzzRegressionTests: XCTestCase {
    static let paths = [
        "prims/f.yaml", "primitives.yaml", "packages/f/prim.yaml", "hosts/h.yaml", "secrets/S.yaml",
        "dns/f.test.yaml", "providers/p.yaml", "policy.yaml",
    ]
    /// Inputs whose refusal is known: file name → the diagnostic code it must get.
    static let expected = ["deep-flow-sequence.yaml": "yaml-depth", "billion-laughs.yaml": "yaml-nodes"]

    func testEveryKeptInputLoadsWithoutCrashing() throws {
        let directory = Fixtures.path("Tests/Fuzz/regressions")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        XCTAssertTrue(Set(names).isSuperset(of: Self.expected.keys), "\(names)")
        for name in names {
            let bytes = [UInt8](try XCTUnwrap(FileManager.default.contents(atPath: "\(directory)/\(name)")))
            guard let first = bytes.first else { continue }
            let path = Self.paths[Int(first) % Self.paths.count]
            let result = StateLoader.load(StateSnapshot(entries: [path: .file(Array(bytes.dropFirst()))]))
            if let code = Self.expected[name] {
                XCTAssertEqual(result.errors.map(\.code), [code], name)
            }
        }
    }
}
