import PrimEngine
import PrimHost
import PrimModel
import PrimPlan
import SystemdReconciler
import XCTest

/// How versions are named and routed: pure functions of the rendering.
final class VersionsTests: XCTestCase {
    static let route = """
        # Managed by prim for alpha. Changes here are overwritten.
        alpha.prim.test {
        \thandle {
        \t\treverse_proxy 127.0.0.1:3201 127.0.0.1:13201 {
        \t\t\tlb_policy first
        \t\t}
        \t}
        }

        """

    func testARouteIsSentToEitherPortAndTheOtherStaysSecond() {
        XCTAssertEqual(RouteUpstream.servingPort(Self.route), 3201)
        let moved = RouteUpstream.routing(Self.route, to: 13201)
        XCTAssertTrue(moved.contains("\t\treverse_proxy 127.0.0.1:13201 127.0.0.1:3201 {\n"), moved)
        XCTAssertEqual(RouteUpstream.servingPort(moved), 13201)
        XCTAssertEqual(RouteUpstream.routing(moved, to: 3201), Self.route, "and back")
        XCTAssertEqual(RouteUpstream.routing(Self.route, to: 3201), Self.route, "already there")
        let elsewhere = RouteUpstream.routing(Self.route, to: 3204)
        XCTAssertTrue(
            elsewhere.contains("reverse_proxy 127.0.0.1:3204 127.0.0.1:13201 {"),
            "a new port takes the first place: \(elsewhere)")
        XCTAssertNil(RouteUpstream.servingPort("example.com {\n\trespond 200\n}\n"))
    }

    /// A route kept from before a port change names only ports the prim still has, or serves on.
    func testARouteIsRestrictedToTheAllowedPorts() {
        XCTAssertEqual(RouteUpstream.restricting(Self.route, to: [3201, 13201]), Self.route)
        let alone = RouteUpstream.restricting(Self.route, to: [3201, 3204])
        XCTAssertTrue(alone.contains("\t\treverse_proxy 127.0.0.1:3201 {\n"), alone)
        XCTAssertEqual(RouteUpstream.ports(alone), [3201])
        XCTAssertEqual(RouteUpstream.ports(RouteUpstream.restricting(Self.route, to: [13201])), [13201])
        XCTAssertEqual(
            RouteUpstream.ports(RouteUpstream.restricting(Self.route, to: [])), [3201],
            "a route keeps a port to send to")
    }

    func testNamesOfTemplatesVersionsAndUnitsFromBefore() {
        XCTAssertEqual(ResourceNames.unit("alpha").name, "prim-alpha@.service")
        XCTAssertEqual(ResourceNames.instance("alpha", version: "0123456789ab"), "prim-alpha@0123456789ab.service")
        for name in ["prim-alpha@.service", "prim-alpha@0123456789ab.service", "prim-alpha.service"] {
            XCTAssertEqual(ResourceNames.prim(ofUnit: name), "alpha", name)
        }
        XCTAssertEqual(ResourceNames.prim(ofUnit: "prim-my-prim@ab.service"), "my-prim")
        XCTAssertEqual(ResourceNames.version(ofUnit: "prim-alpha@0123456789ab.service"), "0123456789ab")
        XCTAssertNil(ResourceNames.version(ofUnit: "prim-alpha@.service"))
        XCTAssertNil(ResourceNames.version(ofUnit: "prim-alpha.service"))
        XCTAssertTrue(ResourceNames.isTemplate("prim-alpha@.service"))
        XCTAssertFalse(ResourceNames.isTemplate("prim-alpha@ab.service"))
    }

    func testDigestsAreSHA256InLowercaseHex() {
        XCTAssertEqual(Digest.sha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(Digest.sha256([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// A version is what runs: its release, its env and its settings, but not its description.
    func testAVersionChangesWithWhatRunsAndNothingElse() throws {
        func version(_ yaml: String, secret: String = "one", code: String? = nil) -> String {
            let state = StateLoader.load(
                StateSnapshot(entries: [
                    "prims/alpha.yaml": .file(Array(yaml.utf8)),
                    "secrets/KEY.yaml": .file(Array("prims: [alpha]\nexternal: true\n".utf8)),
                ])
            ).state
            let releases =
                code.map {
                    ["alpha": ReleaseManifest(files: ["packages/alpha/x": .init(digest: $0, executable: false)])]
                } ?? [:]
            let desired = try? Kinds.build(
                state, host: Host.implicit(), config: HostConfig(),
                secrets: ["KEY": SecretValue(secret, source: .store)], releases: releases)
            return desired.flatMap { VersionName.desired("alpha", in: $0) } ?? ""
        }
        let base = "id: alpha\nstatus: live\nport: 3201\nenv: [KEY]\n"
        let first = version(base)
        XCTAssertEqual(first.count, 12)
        XCTAssertEqual(version(base), first, "the same state, the same version")
        XCTAssertEqual(version(base + "description: another\n"), first, "a description is not what runs")
        XCTAssertNotEqual(version(base, secret: "two"), first, "a secret")
        XCTAssertNotEqual(version(base.replacingOccurrences(of: "3201", with: "3202")), first, "a port")
        XCTAssertNotEqual(version(base + "deploy:\n  memory_max: 256M\n"), first, "a setting")
        XCTAssertNotEqual(version(base, code: "aa"), version(base, code: "bb"), "the code")
    }
}
