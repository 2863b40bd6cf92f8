import Foundation
import XCTest

/// Guards against an apply that would empty a host by accident.
final class MassDeletionTests: FreshTestbedCase {
    func fivePrims() -> [String: String] {
        var files = ConvergedState.files()
        for (index, id) in ["gamma", "delta", "epsilon"].enumerated() {
            files["prims/\(id).yaml"] = "id: \(id)\nstatus: testing\nport: \(3210 + index)\n"
        }
        return files
    }

    func testRemovingFourOfFivePrimsNeedsTheFlag() throws {
        state = try writeTree(fivePrims())
        XCTAssertEqual(try testbed.primctl(["apply", "--state", state, "--yes"]).status, 0)
        for id in ["beta", "gamma", "delta", "epsilon"] {
            try FileManager.default.removeItem(atPath: "\(state)/prims/\(id).yaml")
        }
        let files = testbed.liveFiles()
        let times = testbed.liveFileTimes()

        let refused = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(refused.status, 1, refused.stdout + refused.stderr)
        XCTAssertTrue(
            refused.stderr.contains(
                "this would remove 4 of the 5 prims deployed on host 't' (beta, delta, epsilon, gamma)"), refused.stderr
        )
        XCTAssertTrue(refused.stderr.contains("--allow-mass-delete"), refused.stderr)
        XCTAssertEqual(testbed.liveFiles(), files, "nothing changed")
        XCTAssertEqual(testbed.liveFileTimes(), times)
        XCTAssertEqual(try testbed.activeState("prim-gamma.service"), "active")

        let allowed = try testbed.primctl(["apply", "--state", state, "--yes", "--allow-mass-delete"])
        XCTAssertEqual(allowed.status, 0, allowed.stdout + allowed.stderr)
        XCTAssertEqual(try testbed.unitProperty("prim-gamma.service", "LoadState"), "not-found")
        XCTAssertEqual(
            testbed.viaCaddy("alpha.prim.test").1, "{\"service\": \"alpha.sh\", \"status\": \"ok\"}",
            "the kept prim still serves")
    }

    /// Three prims are not "more than three": the guard refuses emptying a host whatever its size.
    func testEmptyingAHostOfThreePrimsNeedsTheFlag() throws {
        var files = ConvergedState.files()
        files["prims/gamma.yaml"] = "id: gamma\nstatus: testing\nport: 3210\n"
        state = try writeTree(files)
        XCTAssertEqual(try testbed.primctl(["apply", "--state", state, "--yes"]).status, 0)
        for folder in ["prims", "secrets"] {
            try FileManager.default.removeItem(atPath: "\(state)/\(folder)")
            try FileManager.default.createDirectory(atPath: "\(state)/\(folder)", withIntermediateDirectories: true)
        }
        let live = testbed.liveFiles()
        let times = testbed.liveFileTimes()
        let refused = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(refused.status, 1, refused.stdout + refused.stderr)
        XCTAssertTrue(
            refused.stderr.contains("this would remove all 3 prims deployed on host 't' (alpha, beta, gamma)"),
            refused.stderr)
        XCTAssertEqual(testbed.liveFiles(), live, "nothing changed")
        XCTAssertEqual(testbed.liveFileTimes(), times)
        XCTAssertEqual(try testbed.activeState("prim-gamma.service"), "active")

        let allowed = try testbed.primctl(["apply", "--state", state, "--yes", "--allow-mass-delete"])
        XCTAssertEqual(allowed.status, 0, allowed.stdout + allowed.stderr)
        XCTAssertEqual(try testbed.unitProperty("prim-alpha.service", "LoadState"), "not-found")
    }

    func testAnUnreadablePrimsFolderIsAnErrorNotAnEmptyState() throws {
        XCTAssertEqual(try testbed.primctl(["apply", "--state", state, "--yes"]).status, 0)
        let files = testbed.liveFiles()
        // Root lists any folder whatever its mode, so prims/ is made unlistable another way:
        // a symbolic link to itself (opendir fails with ELOOP).
        try FileManager.default.removeItem(atPath: "\(state)/prims")
        try FileManager.default.createSymbolicLink(atPath: "\(state)/prims", withDestinationPath: "\(state)/prims")
        for command in ["validate", "diff", "apply"] {
            let result = try testbed.primctl([command, "--state", state] + (command == "apply" ? ["--yes"] : []))
            XCTAssertEqual(result.status, 1, "\(command): " + result.stdout + result.stderr)
            XCTAssertTrue(
                (result.stdout + result.stderr).contains("cannot read the folder '\(state)/prims'"),
                "\(command): " + result.stdout + result.stderr)
        }
        XCTAssertEqual(testbed.liveFiles(), files, "nothing changed")
        XCTAssertEqual(try testbed.activeState("prim-alpha.service"), "active")
    }
}
