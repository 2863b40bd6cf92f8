import Foundation
import PrimHost
import PrimModel
import PrimPlan
import SystemdReconciler
import XCTest

/// Locks the human and JSON plan formats with golden files.
final class RendererSnapshotTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The quickstart with: store new, search's secret rotated, wallet blocked, an old prim left behind.
    func mixedPlan() throws -> Plan {
        var entries: [String: StateSnapshot.Entry] = [:]
        let base = Self.root.appendingPathComponent("examples/quickstart").path
        let enumerator = FileManager.default.enumerator(atPath: base)
        while let relative = enumerator?.nextObject() as? String {
            if StateLayout.isStatePath(relative), let data = FileManager.default.contents(atPath: "\(base)/\(relative)")
            {
                entries[relative] = .file([UInt8](data))
            }
        }
        let result = StateLoader.load(StateSnapshot(entries: entries))
        XCTAssertEqual(result.errors, [])
        var config = HostConfig()
        config.unitDir = "/etc/systemd/system"
        config.envDir = "/etc/prim"
        config.caddyFragmentDir = "/etc/caddy/prim.d"
        let host = try DesiredBuilder.host(result.state, named: nil)
        let old = try Kinds.build(
            result.state, host: host, config: config,
            secrets: ["SEARCH_API_KEY": SecretValue("old-secret-value", source: .store)], versionKey: "snapshot")
        let new = try Kinds.build(
            result.state, host: host, config: config,
            secrets: ["SEARCH_API_KEY": SecretValue("new-secret-value", source: .store)], versionKey: "snapshot")
        let version = try XCTUnwrap(VersionName.desired("search", in: old))
        var observed: [ObservedResource] = old.resources.filter { $0.prim == "search" }.map {
            ObservedResource(
                address: $0.address, content: $0.sensitive ? nil : $0.content, digest: $0.digest,
                runtime: $0.address.kind == .unit ? UnitRuntime(loadState: "loaded", activeState: "active") : nil,
                prim: $0.prim,
                attributes: $0.address.kind == .unit ? ["running": version, "serving": version] : [:])
        }
        observed.append(
            ObservedResource(
                address: ResourceNames.fragment("legacy"), path: "/etc/caddy/prim.d/legacy.caddy",
                content: "# Managed by prim for legacy.\nlegacy.prim.test {\n}\n", digest: "x", prim: "legacy"))
        observed.append(
            ObservedResource(
                address: ResourceNames.unit("legacy"), path: "/etc/systemd/system/prim-legacy@.service",
                content: "# Managed by prim for legacy.\n[Unit]\n", digest: "y",
                runtime: UnitRuntime(loadState: "loaded", activeState: "active"), prim: "legacy"))
        observed.append(
            ObservedResource(
                address: ResourceNames.caddyConfig, path: config.caddyAdmin, content: nil, digest: "",
                keys: ["search.prim.test", "legacy.prim.test"]))
        return Planner.plan(desired: new, observed: ObservedState(resources: observed), kinds: Kinds.planners)
    }

    func testHumanPlan() throws {
        let plan = try mixedPlan()
        let text = HumanPlanRenderer.render(plan)
        XCTAssertFalse(text.contains("secret-value"), "secret values never appear in a plan")
        assertSnapshot(text, named: "human-mixed-plan")
    }

    /// On a terminal: Terraform's colours; taken off, the text is the plain plan exactly.
    func testColouredHumanPlan() throws {
        let plan = try mixedPlan()
        let text = HumanPlanRenderer.render(plan, palette: .terminal)
        XCTAssertTrue(text.contains("\u{1B}[32m+\u{1B}[0m create"), "the create symbol is green")
        XCTAssertTrue(text.contains("\u{1B}[31m-\u{1B}[0m destroy"), "the destroy symbol is red")
        XCTAssertTrue(text.contains("\u{1B}[33m~\u{1B}[0m update in-place"), "the update symbol is yellow")
        let plain = text.replacingOccurrences(of: "\u{1B}\\[[0-9]+m", with: "", options: .regularExpression)
        XCTAssertEqual(plain, HumanPlanRenderer.render(plan), "colour adds escapes and nothing else")
        assertSnapshot(text, named: "human-mixed-plan-color")
    }

    func testJSONPlan() throws {
        let plan = try mixedPlan()
        let text = JSONPlanRenderer.render(plan)
        XCTAssertFalse(text.contains("secret-value"), "secret values never appear in a plan")
        assertSnapshot(text, named: "json-mixed-plan")
    }

    func testNoChanges() {
        XCTAssertEqual(
            HumanPlanRenderer.render(Plan(host: "vps", changes: [])),
            "No changes. Live state matches the desired state.\n")
        assertSnapshot(JSONPlanRenderer.render(Plan(host: "vps", changes: [])), named: "json-no-changes")
    }

    func testDiagnostics() {
        let diagnostics = [
            Diagnostic(
                .error, file: "prims/a.yaml", at: .init(line: 3, column: 7), code: "port-range",
                "port 80 is out of range; use a port between 1024 and 55535 (a prim's new version starts on its port + 10000)"
            ),
            Diagnostic(
                .warning, file: "prims/a.yaml", at: .init(line: 6, column: 5), code: "env-unprovided",
                "env 'X' of prim 'a' has no host value"),
        ]
        assertSnapshot(DiagnosticRenderer.human(diagnostics, root: "state"), named: "human-diagnostics")
        assertSnapshot(DiagnosticRenderer.json(diagnostics, root: "state"), named: "json-diagnostics")
    }
}
