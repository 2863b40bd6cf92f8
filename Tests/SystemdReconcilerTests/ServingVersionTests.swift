import PrimModel
import SystemdReconciler
import XCTest

/// Which version serves is what Caddy chooses: the route's first port, else its second.
final class ServingVersionTests: XCTestCase {
    typealias Versions = SystemdObserver.Versions

    func version(_ name: String, port: Int) -> Versions.Running {
        Versions.Running(
            version: name, unit: "prim-a@\(name).service", port: port,
            runtime: UnitRuntime(loadState: "loaded", activeState: "active"))
    }

    func testTheServingVersionIsTheOneCaddySendsTo() {
        let old = version("old", port: 3201), new = version("new", port: 13201)
        XCTAssertEqual(Versions(running: [old, new], routedPorts: [13201, 3201]).serving, new, "the first port")
        XCTAssertEqual(
            Versions(running: [old], routedPorts: [13201, 3201]).serving, old,
            "the first port refuses (its version stopped before the route went back): Caddy sends to the second")
        XCTAssertNil(
            Versions(running: [version("x", port: 3204)], routedPorts: [13201, 3201]).serving, "a route to neither")
        XCTAssertEqual(Versions(running: [old]).serving, old, "no route: the only one running")
        XCTAssertNil(Versions(running: [old, new]).serving)
        var looping = new
        looping.runtime = UnitRuntime(loadState: "loaded", activeState: "activating", subState: "auto-restart")
        XCTAssertEqual(
            Versions(running: [old, looping], routedPorts: [13201, 3201]).serving, old,
            "a version that waits to restart refuses: Caddy sends to the second port")
    }
}
