import CaddyReconciler
import PrimEngine
import PrimPlan
import PrimTestSupport
import XCTest

/// The routes' and Caddy's config's kinds, applied on a fake Caddy: the whole config is checked
/// before anything is written, loaded once after the route files, and a removed route's file goes
/// only after a config without it is loaded.
final class CaddyKindApplyTests: XCTestCase {
    let kinds: [any Reconciler] = [CaddyRouteReconciler(), CaddyConfigReconciler()]

    func route(_ prim: String, port: Int, in harness: KindHarness) -> DesiredResource {
        let address = ResourceNames.fragment(prim)
        let text = "\(ResourceNames.ownershipMarker)\n\(prim).prim.test {\n\treverse_proxy 127.0.0.1:\(port)\n}\n"
        return DesiredResource(
            address: address, prim: prim, path: "\(harness.config.caddyFragmentDir)/\(address.name)", content: text,
            keys: ["\(prim).prim.test"])
    }

    var config: DesiredResource {
        DesiredResource(address: ResourceNames.caddyConfig, prim: nil, path: "caddy", content: "")
    }

    func running(_ sites: [String]) -> ObservedResource {
        ObservedResource(address: ResourceNames.caddyConfig, path: "caddy", content: nil, digest: "", keys: sites)
    }

    /// A harness whose Caddy is a recording fake.
    func fakes() throws -> (KindHarness, RecordingCaddy) {
        let harness = try KindHarness()
        let caddy = RecordingCaddy()
        harness.drivers.routes = caddy
        return (harness, caddy)
    }

    func testANewRouteIsCheckedWrittenThenLoadedOnce() throws {
        let (harness, caddy) = try fakes()
        let alpha = route("alpha", port: 3001, in: harness)
        let desired = DesiredHost(host: "h", resources: [alpha, config])
        let plan = harness.plan(kinds, desired: desired, live: [running([])])
        XCTAssertEqual(
            plan.pending.map { JournalStep($0).description },
            ["create caddy_fragment.alpha.caddy", "reload caddy_config.caddy"])

        let generation = try harness.apply(plan, kinds, desired: desired)

        XCTAssertEqual(generation.outcome, .converged)
        let composed = "# header\n" + alpha.content
        XCTAssertEqual(
            caddy.calls, [.check(composed), .write(path: alpha.path, content: alpha.content), .load(composed)])
        XCTAssertEqual(try harness.inventory(), ["caddy_fragment.alpha.caddy"])
    }

    func testAChangedRouteIsLoadedWithTheOthersAsTheyAre() throws {
        let (harness, caddy) = try fakes()
        let alpha = route("alpha", port: 3001, in: harness)
        let beta = route("beta", port: 3002, in: harness)
        let desired = DesiredHost(host: "h", resources: [alpha, beta, config])
        let live = [
            KindHarness.live(alpha, content: alpha.content.replacingOccurrences(of: "3001", with: "3999")),
            KindHarness.live(beta),
            running(["alpha.prim.test", "beta.prim.test"]),
        ]
        let plan = harness.plan(kinds, desired: desired, live: live)
        XCTAssertEqual(
            plan.pending.map { JournalStep($0).description },
            ["update caddy_fragment.alpha.caddy", "reload caddy_config.caddy"])

        _ = try harness.apply(plan, kinds, desired: desired)

        XCTAssertEqual(caddy.loads, ["# header\n" + alpha.content + "\n" + beta.content], "one load of every route")
        XCTAssertTrue(caddy.calls.contains(.write(path: alpha.path, content: alpha.content)))
        XCTAssertFalse(
            caddy.calls.contains {
                if case .write(let path, _) = $0 { return path == beta.path } else { return false }
            },
            "an unchanged route file is not rewritten")
    }

    func testARemovedRouteFileGoesAfterAConfigWithoutItIsLoaded() throws {
        let (harness, caddy) = try fakes()
        let alpha = route("alpha", port: 3001, in: harness)
        let gone = route("gone", port: 3002, in: harness)
        let desired = DesiredHost(host: "h", resources: [alpha, config])
        let plan = harness.plan(
            kinds, desired: desired,
            live: [
                KindHarness.live(alpha), KindHarness.live(gone),
                running(["alpha.prim.test", "gone.prim.test"]),
            ])
        XCTAssertEqual(
            plan.pending.map { JournalStep($0).description },
            ["reload caddy_config.caddy", "delete caddy_fragment.gone.caddy"])

        _ = try harness.apply(plan, kinds, desired: desired)

        let composed = "# header\n" + alpha.content
        XCTAssertEqual(caddy.calls, [.check(composed), .load(composed), .remove(path: gone.path)])
    }

    func testAConfigCaddyRefusesWritesNothing() throws {
        let (harness, caddy) = try fakes()
        caddy.failCheck = true
        let alpha = route("alpha", port: 3001, in: harness)
        let desired = DesiredHost(host: "h", resources: [alpha, config])
        let plan = harness.plan(kinds, desired: desired, live: [running([])])

        XCTAssertThrowsError(try harness.apply(plan, kinds, desired: desired)) { error in
            XCTAssertTrue("\(error)".contains("Caddy refused the config"), "\(error)")
        }
        XCTAssertEqual(caddy.calls, [], "no route file written, nothing loaded")
        XCTAssertEqual(try harness.inventory(), [])
        XCTAssertNil(
            ApplyJournal.interrupted(dataDir: harness.dataDir), "a check that fails stops the apply before its journal")
    }

    func testALoadThatFailsIsAFailedStepAndTheApplyResumes() throws {
        let (harness, caddy) = try fakes()
        caddy.failLoad = true
        let alpha = route("alpha", port: 3001, in: harness)
        let desired = DesiredHost(host: "h", resources: [alpha, config])
        let plan = harness.plan(kinds, desired: desired, live: [running([])])

        XCTAssertThrowsError(try harness.apply(plan, kinds, desired: desired))
        XCTAssertEqual(
            caddy.calls, [.check("# header\n" + alpha.content), .write(path: alpha.path, content: alpha.content)])
        XCTAssertEqual(
            harness.failures, ["reload caddy_config.caddy: Caddy did not load the config (a fake told to fail)"])
        let left = try XCTUnwrap(ApplyJournal.interrupted(dataDir: harness.dataDir))
        XCTAssertEqual(
            left.unfinished.map(\.description), ["reload caddy_config.caddy"],
            "the route file is written; the load is done again")
    }
}
