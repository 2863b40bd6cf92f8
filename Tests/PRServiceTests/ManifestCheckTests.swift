import PRService
import PrimModel
import XCTest

final class ManifestCheckTests: XCTestCase {
    func manifest(_ paths: [String]) -> Manifest {
        Manifest(title: "t", files: paths.map { .init(path: $0, content: "x\n") })
    }

    func check(_ paths: [String], statePath: String = "state") -> ServiceError? {
        do {
            try ManifestCheck.check(manifest(paths), policy: Policy(), statePath: statePath, limits: ManifestLimits()) {
                _ in nil
            }
            return nil
        } catch {
            return error
        }
    }

    func testPathsAreCheckedAgainstTheStateRootAndThePolicy() {
        XCTAssertNil(check(["state/prims/a.yaml", "state/packages/a/src/index.ts"]))
        XCTAssertNil(check(["prims/a.yaml"], statePath: ""), "upstream layout: the state is the repository root")
        XCTAssertEqual(check(["prims/a.yaml"])?.code, .forbidden, "outside the state root")
        XCTAssertEqual(check(["state/hosts/a.yaml"])?.code, .forbidden)
        XCTAssertEqual(check(["state/prims/a.yaml", "state/./x"])?.field, "files[1].path")
        XCTAssertEqual(check(["state//prims/a.yaml"])?.code, .invalidRequest)
        XCTAssertEqual(check(["state/packages/a/.git/config"])?.message.contains(".git"), true)
        XCTAssertEqual(check(["state\\prims\\a.yaml"])?.message.contains("backslash"), true)
    }

    /// Names that differ only in case collide on macOS and Windows: refused within a manifest and against main.
    func testCaseOnlyTwinsAreRefused() {
        XCTAssertTrue(
            check(["state/packages/a/A.py", "state/packages/a/a.py"])?.message.contains("(rule case-twin)") ?? false)
        XCTAssertTrue(
            check(["state/packages/a/x", "state/packages/a/x/y"])?.message.contains("as both a file and a folder")
                ?? false)
        XCTAssertTrue(
            check(["state/packages/a/x/y", "state/packages/a/x"])?.message.contains("as both a file and a folder")
                ?? false)
        let folders = [
            "": ["state"], "state": ["packages"], "state/packages": ["a"], "state/packages/a": ["App.py", "lib"],
        ]
        func against(_ path: String) -> String? {
            do {
                try ManifestCheck.check(
                    manifest([path]), policy: Policy(), statePath: "state", limits: ManifestLimits(),
                    existing: { _ in nil }, names: { folders[$0] ?? [] })
                return nil
            } catch {
                return error.message
            }
        }
        XCTAssertNil(against("state/packages/a/App.py"), "the same name is a change, not a twin")
        XCTAssertNil(against("state/packages/a/lib/x.py"))
        XCTAssertTrue(
            against("state/packages/a/app.py")?.contains("differs only in case from 'state/packages/a/App.py' on main")
                ?? false)
        XCTAssertTrue(against("state/packages/A/x.py")?.contains("(rule case-twin)") ?? false)
        XCTAssertTrue(against("state/packages/a/LIB/x.py")?.contains("(rule case-twin)") ?? false)
    }

    func testTheBaseTreeDecidesFoldersFilesAndLinks() {
        func check(_ path: String, existing: [String: ManifestCheck.Existing]) -> String? {
            do {
                try ManifestCheck.check(
                    manifest([path]), policy: Policy(), statePath: "state", limits: ManifestLimits()
                ) { existing[$0] }
                return nil
            } catch {
                return error.message
            }
        }
        XCTAssertNil(check("state/packages/a/x.ts", existing: ["state": .directory, "state/packages": .directory]))
        XCTAssertTrue(
            check("state/packages/a/x.ts", existing: ["state/packages/a": .symlink])?.contains("symbolic link") ?? false
        )
        XCTAssertTrue(
            check("state/packages/a/x.ts", existing: ["state/packages/a": .file])?.contains("is a file on main")
                ?? false)
        XCTAssertTrue(
            check("state/packages/a/x.ts", existing: ["state/packages/a/x.ts": .directory])?.contains("is a folder")
                ?? false)
    }

    func testContentHashIgnoresOrderButNotBoundaries() {
        let a = Manifest(title: "a", files: [.init(path: "p", content: "1"), .init(path: "q", content: "2")])
        let b = Manifest(title: "b", files: [.init(path: "q", content: "2"), .init(path: "p", content: "1")])
        let c = Manifest(title: "a", files: [.init(path: "p", content: "1q"), .init(path: "", content: "2")])
        XCTAssertEqual(a.contentHash, b.contentHash)
        XCTAssertNotEqual(a.contentHash, c.contentHash)
    }
}
