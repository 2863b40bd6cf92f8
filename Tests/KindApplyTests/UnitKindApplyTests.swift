import Foundation
import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem
import PrimTestSupport
import SystemdReconciler
import XCTest

/// The units' kind, applied on a fake manager and fake gates: a new prim's template is written and
/// its version started and gated; a change that needs no restart rewrites the template only; a
/// removed prim's versions stop before its template goes; a version that does not start is stopped
/// and its prim kept. Unit and version files are real files in the harness's folders.
final class UnitKindApplyTests: XCTestCase {
    let units = SystemdReconciler()

    struct Setup {
        var harness: KindHarness
        var manager: FakeManager
        var health: FakeHealth
    }

    func setup() throws -> Setup {
        let harness = try KindHarness()
        let manager = FakeManager()
        let health = FakeHealth()
        harness.drivers.units = manager
        harness.drivers.health = health
        return Setup(harness: harness, manager: manager, health: health)
    }

    /// What a state of `prims` (id → description) asks of the units' kind, with its gates.
    func desired(_ prims: [String: String], config: HostConfig) throws -> (DesiredHost, [String: HealthGate]) {
        var files = ["hosts/h.yaml": "domain: prim.test\nrun: /bin/true\n"]
        for (index, (prim, description)) in prims.sorted(by: { $0.key < $1.key }).enumerated() {
            files["prims/\(prim).yaml"] =
                "id: \(prim)\ndescription: \(description)\nstatus: testing\nport: \(3301 + index)\n"
        }
        let result = StateLoader.load(StateSnapshot(entries: files.mapValues { .file(Array($0.utf8)) }))
        XCTAssertEqual(result.errors, [])
        let host = try DesiredBuilder.host(result.state, named: nil)
        let all = try KindRegistry([units]).build(result.state, host: host, config: config, secrets: [:])
        let desired = DesiredHost(
            host: all.host, resources: all.resources.filter { $0.address.kind == .unit }, ports: all.ports,
            renderings: all.renderings)
        return (desired, HealthGate.gates(result.state, host: host, desired: all, releases: [:]))
    }

    /// The template a resource describes, live, with `version` running (as the observer reports it).
    func live(_ resource: DesiredResource, running version: String) -> ObservedResource {
        ObservedResource(
            address: resource.address, path: resource.path, content: resource.content,
            digest: Digest.sha256(resource.content), runtime: UnitRuntime(loadState: "loaded", activeState: "active"),
            prim: resource.prim, attributes: ["running": version, "serving": version])
    }

    func version(_ resource: DesiredResource) -> String { resource.attributes["version"] ?? "" }

    func testANewPrimsTemplateIsWrittenAndItsVersionStartedAndGated() throws {
        let setup = try setup()
        let (desired, gates) = try desired(["alpha": "first"], config: setup.harness.config)
        let template = try XCTUnwrap(desired.resources.first)
        let instance = ResourceNames.instance("alpha", version: version(template))
        let plan = setup.harness.plan([units], desired: desired, live: [])
        XCTAssertEqual(plan.pending.map { JournalStep($0).description }, ["create unit.prim-alpha@.service"])

        let generation = try setup.harness.apply(plan, [units], desired: desired, gates: gates)

        XCTAssertEqual(generation.outcome, .converged, "\(generation.errors)")
        XCTAssertEqual(setup.manager.calls, ["reload", "start \(instance)"], "one reload, then the version starts")
        XCTAssertEqual(try String(contentsOfFile: template.path, encoding: .utf8), template.content)
        let env = "\(setup.harness.config.envDir)/\(ResourceNames.versionEnvFile("alpha", version: version(template)))"
        XCTAssertTrue(try String(contentsOfFile: env, encoding: .utf8).contains("PORT=3301"), "the version's env file")
        XCTAssertEqual(setup.health.asked, ["alpha \(instance) :3301"], "gated as the new version, on its port")
        XCTAssertEqual(generation.gates.map(\.passed), [true])
        XCTAssertEqual(try setup.harness.inventory(), ["unit.prim-alpha@.service"])
    }

    func testADescriptionChangeRewritesTheTemplateAndRestartsNothing() throws {
        let setup = try setup()
        let (before, _) = try desired(["alpha": "first"], config: setup.harness.config)
        let (desired, gates) = try desired(["alpha": "second"], config: setup.harness.config)
        let old = try XCTUnwrap(before.resources.first)
        let new = try XCTUnwrap(desired.resources.first)
        XCTAssertEqual(version(old), version(new), "the description is not part of the version")
        setup.manager.running(ResourceNames.instance("alpha", version: version(old)))
        let plan = setup.harness.plan([units], desired: desired, live: [live(old, running: version(old))])
        XCTAssertEqual(plan.pending.map { JournalStep($0).description }, ["update unit.prim-alpha@.service"])

        let generation = try setup.harness.apply(plan, [units], desired: desired, gates: gates)

        XCTAssertEqual(generation.outcome, .converged, "\(generation.errors)")
        XCTAssertEqual(setup.manager.jobs, [], "no job: the running version serves on")
        XCTAssertEqual(setup.manager.calls, ["reload"])
        XCTAssertEqual(try String(contentsOfFile: new.path, encoding: .utf8), new.content)
    }

    func testARemovedPrimsVersionsStopBeforeItsTemplateGoes() throws {
        let setup = try setup()
        // Another prim stays: removing the only one is refused without --allow-mass-delete.
        let (before, _) = try desired(["alpha": "stays", "gone": "old"], config: setup.harness.config)
        let (desired, _) = try desired(["alpha": "stays"], config: setup.harness.config)
        let stays = try XCTUnwrap(desired.resources.first)
        let old = try XCTUnwrap(before.resources.first { $0.prim == "gone" })
        try FileManager.default.createDirectory(atPath: setup.harness.config.unitDir, withIntermediateDirectories: true)
        try old.content.write(toFile: old.path, atomically: true, encoding: .utf8)
        let instance = ResourceNames.instance("gone", version: version(old))
        setup.manager.running(ResourceNames.instance("alpha", version: version(stays)))
        setup.manager.running(instance)
        let plan = setup.harness.plan(
            [units], desired: desired, live: [live(stays, running: version(stays)), live(old, running: version(old))])
        XCTAssertEqual(plan.pending.map { JournalStep($0).description }, ["delete unit.prim-gone@.service"])

        let generation = try setup.harness.apply(plan, [units], desired: desired)

        XCTAssertEqual(generation.outcome, .converged, "\(generation.errors)")
        XCTAssertEqual(
            setup.manager.calls, ["stop \(instance)", "reload"], "stopped, then one reload once the file is gone")
        XCTAssertFalse(FileManager.default.fileExists(atPath: old.path))
        XCTAssertEqual(setup.manager.units[instance]?.activeState, "inactive")
    }

    func testAVersionThatDoesNotStartIsStoppedAndItsPrimKept() throws {
        let setup = try setup()
        let (desired, gates) = try desired(["alpha": "first"], config: setup.harness.config)
        let template = try XCTUnwrap(desired.resources.first)
        let instance = ResourceNames.instance("alpha", version: version(template))
        setup.manager.failing = [instance]
        let plan = setup.harness.plan([units], desired: desired, live: [])

        let generation = try setup.harness.apply(plan, [units], desired: desired, gates: gates)

        XCTAssertEqual(generation.outcome, .degraded, "the apply goes on; its outcome says a prim was kept")
        XCTAssertEqual(setup.manager.calls, ["reload", "start \(instance)", "stop \(instance)"])
        XCTAssertEqual(generation.gates.map(\.passed), [false])
        XCTAssertTrue(generation.gates.first?.message.contains("did not start") ?? false, "\(generation.gates)")
        XCTAssertEqual(setup.health.asked, [], "a version that did not start is not asked")
        XCTAssertEqual(generation.kept, ["alpha"])
    }

    func testAVersionThatFailsAnEnforcedGateIsStopped() throws {
        let setup = try setup()
        let (desired, given) = try desired(["alpha": "first"], config: setup.harness.config)
        let gates = given.mapValues { gate in
            var gate = gate
            gate.enforce = true
            return gate
        }
        let template = try XCTUnwrap(desired.resources.first)
        let instance = ResourceNames.instance("alpha", version: version(template))
        setup.health.failing = ["alpha"]
        let plan = setup.harness.plan([units], desired: desired, live: [])

        let generation = try setup.harness.apply(plan, [units], desired: desired, gates: gates)

        XCTAssertEqual(generation.outcome, .degraded)
        XCTAssertEqual(setup.manager.calls, ["reload", "start \(instance)", "stop \(instance)"])
        XCTAssertTrue(generation.gates.first?.message.contains("failed its gate") ?? false, "\(generation.gates)")
    }

    func testRemovingTheOnlyPrimIsRefusedAndNothingIsDone() throws {
        let setup = try setup()
        let (before, _) = try desired(["gone": "old"], config: setup.harness.config)
        let old = try XCTUnwrap(before.resources.first)
        setup.manager.running(ResourceNames.instance("gone", version: version(old)))
        let desired = DesiredHost(host: "h", resources: [])
        let plan = setup.harness.plan([units], desired: desired, live: [live(old, running: version(old))])

        XCTAssertThrowsError(try setup.harness.apply(plan, [units], desired: desired)) { error in
            XCTAssertTrue("\(error)".contains("--allow-mass-delete"), "\(error)")
        }
        XCTAssertEqual(setup.manager.calls, [], "refused before anything was asked of the manager")
    }
}
