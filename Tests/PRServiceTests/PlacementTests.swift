import PrimModel
import XCTest

@testable import PRService

/// Where pr.sh puts an agent's new prim that names no host, and the approval a move needs.
final class PlacementTests: XCTestCase {
    func state(_ files: [String: String]) -> DesiredState {
        StateLoader.load(StateSnapshot(entries: files.mapValues { .file(Array($0.utf8)) })).state
    }

    func fleet(h2: String = "") -> [String: String] {
        [
            "hosts/h1.yaml": "address: 192.0.2.1\ndomain: prim.test\n",
            "hosts/h2.yaml": "address: 192.0.2.2\ndomain: prim.test\n" + h2,
            "hosts/h3.yaml": "address: 192.0.2.3\ndomain: prim.test\nagents: false\n",
            "prims/a.yaml": "id: a\nstatus: testing\nport: 3001\ndeploy:\n  host: h1\n",
            "prims/b.yaml": "id: b\nstatus: testing\nport: 3002\ndeploy:\n  host: h1\n",
            "prims/c.yaml": "id: c\nstatus: testing\nport: 3003\ndeploy:\n  host: h2\n",
        ]
    }

    func manifest(_ files: [String: String]) -> Manifest {
        Manifest(
            title: "t",
            files: files.sorted { $0.key < $1.key }.map { .init(path: "state/\($0.key)", content: $0.value) })
    }

    func testANewPrimGoesToTheOpenHostWithTheFewestPrims() throws {
        let (placed, placements) = try Placement.place(
            manifest([
                "prims/d.yaml": "id: d\nstatus: testing\nport: 3004\n",
                "prims/e.yaml": "id: e\nstatus: testing\nport: 3005\ndeploy:\n    memory_max: 64M\n",
            ]), base: state(fleet()), statePath: "state")
        XCTAssertEqual(placements.map { "\($0.prim)→\($0.host)" }, ["d→h2", "e→h1"], "h3 is closed to agents")
        XCTAssertEqual(placed.files[0].content, "id: d\nstatus: testing\nport: 3004\ndeploy:\n  host: h2\n")
        XCTAssertEqual(
            placed.files[1].content, "id: e\nstatus: testing\nport: 3005\ndeploy:\n    host: h1\n    memory_max: 64M\n")
        var head = fleet()
        for file in placed.files { head[String(file.path.dropFirst("state/".count))] = file.content }
        XCTAssertEqual(StateLoader.load(StateSnapshot(entries: head.mapValues { .file(Array($0.utf8)) })).errors, [])
    }

    func testAFullHostIsPassedOverAndNoRoomIsRefused() throws {
        let (_, placements) = try Placement.place(
            manifest(["prims/d.yaml": "id: d\nstatus: testing\nport: 3004\n"]), base: state(fleet(h2: "capacity: 1\n")),
            statePath: "state")
        XCTAssertEqual(placements.map(\.host), ["h1"])
        var full = fleet(h2: "capacity: 1\n")
        full["hosts/h1.yaml"]! += "capacity: 2\n"
        XCTAssertThrowsError(
            try Placement.place(
                manifest(["prims/d.yaml": "id: d\nstatus: testing\nport: 3004\n"]), base: state(full),
                statePath: "state")
        ) { XCTAssertTrue("\($0)".contains("no host open to agents has room for it"), "\($0)") }
    }

    func testAPrimThatNamesItsHostOrIsNotDeployedIsLeftAlone() throws {
        let files = [
            "prims/d.yaml": "id: d\nstatus: testing\nport: 3004\ndeploy:\n  host: h3\n",
            "prims/e.yaml": "id: e\nstatus: idea\n",
        ]
        let (placed, placements) = try Placement.place(manifest(files), base: state(fleet()), statePath: "state")
        XCTAssertEqual(placements, [])
        XCTAssertEqual(placed, manifest(files))
        XCTAssertThrowsError(
            try Placement.place(
                manifest(["prims/d.yaml": "id: d\nstatus: testing\nport: 3004\ndeploy: {memory_max: 64M}\n"]),
                base: state(fleet()), statePath: "state"))
    }

    func testAMoveNeedsApproval() {
        var moved = fleet()
        moved["prims/c.yaml"] = "id: c\nstatus: testing\nport: 3003\ndeploy:\n  host: h1\n"
        let reasons = RiskRules.reasons(paths: ["prims/c.yaml"], base: state(fleet()), head: state(moved))
        XCTAssertEqual(reasons.count, 1, "\(reasons)")
        XCTAssertTrue(reasons[0].contains("prim 'c' moves from host h2 to h1") && reasons[0].hasSuffix("(rule move)"))
    }

    func testAHostOverItsCapacityIsRefusedAtItsCapacity() {
        var files = fleet()
        files["hosts/h1.yaml"]! += "capacity: 1\n"
        let result = StateLoader.load(StateSnapshot(entries: files.mapValues { .file(Array($0.utf8)) }))
        XCTAssertEqual(
            result.errors.map { "\($0.file):\($0.line):\($0.column) \($0.code)" }, ["hosts/h1.yaml:3:11 over-capacity"])
    }
}
