import PrimHost
import PrimModel
import PrimPlan
import SystemdReconciler
import XCTest

/// The planner with literal desired and observed states.
final class PlannerTests: XCTestCase {
    static let unitText = "# Managed by prim\n[Unit]\nDescription=search.sh\n[Service]\nExecStart=/bin/true\n"

    func unit(_ text: String = unitText, running: Bool = true, version: String = "v1") -> DesiredResource {
        DesiredResource(
            address: ResourceNames.unit("search"), prim: "search", path: "/u/prim-search@.service", content: text,
            running: running,
            attributes: ["version": version])
    }

    func env(_ content: String = "# Managed by prim\nPORT=1\n") -> DesiredResource {
        DesiredResource(
            address: ResourceNames.envFile("search"), prim: "search", path: "/e/search.env", content: content,
            sensitive: true, keys: ["PORT"])
    }

    func fragment(_ text: String = "# Managed by prim\nsearch.prim.sh {\n}\n") -> DesiredResource {
        DesiredResource(
            address: ResourceNames.fragment("search"), prim: "search", path: "/c/search.caddy", content: text,
            keys: ["search.prim.sh"])
    }

    func caddy(sites: [String] = ["search.prim.sh"]) -> DesiredResource {
        DesiredResource(address: ResourceNames.caddyConfig, prim: nil, path: "http://admin", content: "", keys: sites)
    }

    /// A unit's live versions: `running` (by default, the desired version when active), the first serving.
    func live(
        _ resource: DesiredResource, content: String? = nil, active: String = "active", owned: Bool = true,
        running: [String]? = nil
    ) -> ObservedResource {
        let text = content ?? resource.content
        let versions = running ?? (active == "active" ? [resource.attributes["version"] ?? ""] : [])
        return ObservedResource(
            address: resource.address, content: resource.sensitive ? nil : text, digest: Digest.sha256(text),
            owned: owned,
            runtime: resource.address.kind == .unit ? UnitRuntime(loadState: "loaded", activeState: active) : nil,
            prim: resource.prim,
            attributes: resource.address.kind == .unit && !versions.isEmpty
                ? ["running": versions.joined(separator: " "), "serving": versions[0]] : [:])
    }

    func plan(
        _ desired: [DesiredResource], _ observed: [ObservedResource], sites: Set<String>? = ["search.prim.sh"],
        blocked: [BlockedPrim] = []
    ) -> Plan {
        Planner.plan(
            desired: DesiredHost(host: "vps", resources: desired, blocked: blocked),
            observed: ObservedState(resources: observed + running(sites)), kinds: Kinds.planners)
    }

    /// Caddy's running config, serving `sites`; nil: not observed.
    func running(_ sites: Set<String>?) -> [ObservedResource] {
        sites.map {
            [
                ObservedResource(
                    address: ResourceNames.caddyConfig, path: "http://admin", content: nil, digest: "",
                    keys: $0.sorted())
            ]
        } ?? []
    }

    func actions(_ plan: Plan) -> [String] {
        plan.pending.map { "\($0.action.rawValue) \($0.address.name)" }
    }

    func testNothingLiveCreatesInPhaseOrderAndReloadsCaddyOnce() {
        let p = plan([fragment(), unit(), env(), caddy()], [], sites: [])
        XCTAssertEqual(
            actions(p), ["create search.env", "create prim-search@.service", "create search.caddy", "reload caddy"])
        XCTAssertEqual([p.toAdd, p.toChange, p.toDestroy], [3, 1, 0])
    }

    func testConvergedStateHasNoChanges() {
        let desired = [env(), unit(), fragment(), caddy()]
        let p = plan(desired, desired.filter { $0.address.kind != .caddyConfig }.map { live($0) })
        XCTAssertEqual(actions(p), [])
        XCTAssertFalse(p.hasChanges)
    }

    func testAStateAssumedAppliedPlansNothingAndANewerOneOnlyItsDifference() {
        let base = DesiredHost(host: "vps", resources: [env(), unit(), fragment(), caddy()])
        XCTAssertEqual(
            actions(
                Planner.plan(
                    desired: base, observed: ObservedState(assumingApplied: base, kinds: Kinds.planners),
                    kinds: Kinds.planners)), [])
        let held = DesiredHost(host: "vps", resources: [env(), unit(running: false), fragment(), caddy()])
        XCTAssertEqual(
            actions(
                Planner.plan(
                    desired: held, observed: ObservedState(assumingApplied: held, kinds: Kinds.planners),
                    kinds: Kinds.planners)), [], "a held unit is assumed stopped")
        let newer = DesiredHost(
            host: "vps", resources: [env("# Managed by prim\nPORT=2\n"), unit(), fragment(), caddy()])
        XCTAssertEqual(
            actions(
                Planner.plan(
                    desired: newer, observed: ObservedState(assumingApplied: base, kinds: Kinds.planners),
                    kinds: Kinds.planners)), ["update search.env"])
        let empty = DesiredHost(host: "vps", resources: [caddy(sites: [])])
        XCTAssertEqual(
            actions(
                Planner.plan(
                    desired: empty, observed: ObservedState(assumingApplied: base, kinds: Kinds.planners),
                    kinds: Kinds.planners)),
            ["reload caddy", "delete search.caddy", "delete prim-search@.service", "delete search.env"])
    }

    /// A new version (release, env or settings) hands over: one restart, the template rewritten only when it changed.
    func testANewVersionHandsOverAndAStrayStops() {
        var p = plan([unit()], [live(unit(), running: ["v0"])])
        XCTAssertEqual(actions(p), ["restart prim-search@.service"])
        XCTAssertEqual(p.pending.first?.reason?.code, "new-version")
        XCTAssertEqual(
            p.pending.first?.reason?.message,
            "its release, env or settings changed; version v1 takes over from version v0")
        XCTAssertFalse(p.pending.first?.writesContent ?? true, "the template is as it was: no daemon-reload")
        p = plan(
            [unit()],
            [
                live(
                    unit(), content: Self.unitText.replacingOccurrences(of: "/bin/true", with: "/bin/false"),
                    running: ["v0"])
            ])
        XCTAssertEqual(p.pending.first?.reason?.code, "unit-changed")
        XCTAssertTrue(p.pending.first?.writesContent ?? false)
        p = plan([unit()], [live(unit(), running: ["v1", "v0"])])
        XCTAssertEqual(actions(p), ["update prim-search@.service"])
        XCTAssertEqual(p.pending.first?.reason?.message, "version v0 still runs beside the serving one and stops")
    }

    func testDescriptionOnlyUpdatesWithoutRestart() {
        let p = plan(
            [unit()], [live(unit(), content: Self.unitText.replacingOccurrences(of: "search.sh", with: "old"))])
        XCTAssertEqual(actions(p), ["update prim-search@.service"])
        XCTAssertEqual(p.pending.first?.reason?.code, "documentation-changed")
    }

    func testInactiveUnitStarts() {
        let p = plan([unit()], [live(unit(), active: "failed")])
        XCTAssertEqual(actions(p), ["start prim-search@.service"])
        XCTAssertEqual(p.pending.first?.reason?.message, "no version runs (the last is failed); version v1 starts")
    }

    func testHoldStopsARunningUnitAndLeavesAStoppedOneAlone() {
        XCTAssertEqual(actions(plan([unit(running: false)], [live(unit())])), ["stop prim-search@.service"])
        XCTAssertEqual(actions(plan([unit(running: false)], [live(unit(), active: "inactive")])), [])
    }

    func testRemovedPrimIsDestroyedInReversePhaseOrder() {
        let old = [env(), unit(), fragment()].map { live($0) }
        let p = plan([caddy(sites: [])], old, sites: ["search.prim.sh"])
        XCTAssertEqual(
            actions(p), ["reload caddy", "delete search.caddy", "delete prim-search@.service", "delete search.env"])
        XCTAssertEqual(p.toDestroy, 3)
    }

    /// A prim whose file is still there but does not deploy it (a status removed, or misspelt before
    /// that was an error) is removed with the file's reason, not "no prim declares it".
    func testAPrimStillDeclaredButNotDeployedSaysWhyInTheRemovalReason() throws {
        let old = [env(), unit(), fragment()].map { live($0) }
        for (status, why) in [
            (nil, "search has no `status`: not deployed"),
            ("building", "search has status `building`, which is not deployed"),
        ] {
            let state = StateLoader.load(
                StateSnapshot(entries: [
                    "prims/search.yaml": .file(
                        Array(("id: search\nport: 3000\n" + (status.map { "status: \($0)\n" } ?? "")).utf8))
                ])
            ).state
            let desired = try Kinds.build(state, host: Host.implicit(), config: HostConfig(), secrets: [:])
            XCTAssertEqual(desired.undeployed, ["search": why])
            let p = Planner.plan(
                desired: desired, observed: ObservedState(resources: old + running(["search.prim.sh"])),
                kinds: Kinds.planners)
            let removals = p.pending.filter { $0.action == .delete }
            XCTAssertEqual(removals.count, 3)
            XCTAssertEqual(Set(removals.map { $0.reason?.message }), [why])
            XCTAssertNotNil(
                MassDeletion.refusal(p), "removing the host's only prim is refused without --allow-mass-delete")
        }
    }

    /// An env file's rewrite names the keys that differ, never a value.
    func testAnEnvFileChangeNamesItsKeys() {
        let old = "# Managed by prim\nPORT=1\nAPI_KEY=old-secret\nGONE=x\n"
        let new = "# Managed by prim\nPORT=1\nAPI_KEY=new-secret\nNEW=y\n"
        var live = live(env(old))
        live.attributes = EnvKeyDigests.attributes(old)
        let p = plan([env(new), caddy(sites: [])], [live], sites: [])
        let change = p.pending.first { $0.address.kind == .envFile }
        XCTAssertEqual(
            change?.reason?.message, "changed: API_KEY; added: NEW; removed: GONE (values are sensitive and not shown)")
        XCTAssertFalse(HumanPlanRenderer.render(p).contains("secret"), HumanPlanRenderer.render(p))
        XCTAssertFalse(live.attributes.values.contains { $0.contains("old") }, "no value is kept")
    }

    /// The command runs from the release root: a relative path it names must be there.
    func testACommandPathTheReleaseLacksIsNamed() {
        let release = ReleaseManifest(files: [
            "packages/notes/server.py": .init(digest: "a", executable: false),
            "packages/stub/lib/util.py": .init(digest: "b", executable: false),
        ])
        XCTAssertEqual(
            CommandPaths.missing(in: "/usr/bin/python3 server.py --db data/notes.db --name x", release: release),
            ["data/notes.db"])
        XCTAssertEqual(
            CommandPaths.missing(in: "/usr/bin/python3 notes/server.py", release: release), ["notes/server.py"])
        XCTAssertEqual(
            CommandPaths.missing(
                in: "/usr/bin/python3 packages/notes/server.py --lib packages/stub/lib --url http://x/y",
                release: release), [])
        XCTAssertEqual(CommandPaths.missing(in: "/usr/bin/python3 ./packages/notes/server.py", release: release), [])
    }

    /// A manifest line per file: a name with a line break could forge another line.
    func testAManifestPathIsPlain() {
        XCTAssertTrue(ReleaseManifest.isPlainPath("packages/a/server.py"))
        for bad in [
            "packages/a/x\n644 abc packages/b/json.py", "packages/a/\t", "/etc/passwd", "packages/../x", "packages//x",
            "",
        ] {
            XCTAssertFalse(ReleaseManifest.isPlainPath(bad), bad.debugDescription)
        }
        XCTAssertNil(ReleaseManifest.parse("644 aa packages/a/x\n644 bb packages/a/x\n"), "a path twice")
        XCTAssertNil(ReleaseManifest.parse("644 aa packages/../x\n"))
    }

    /// A prim's persistent directory: kept when the prim is removed, left behind when it moves.
    func testThePlanSaysWhereAPrimsDataStays() {
        let text = PlannerTests.unitText + "StateDirectory=prim-state/search\n"
        let removed = plan([caddy(sites: [])], [live(unit(text))], sites: [])
        XCTAssertEqual(
            removed.notes,
            [
                "prim 'search' is removed, and its data in /var/lib/prim-state/search is kept (systemd keeps a removed unit's StateDirectory); delete /var/lib/private/prim-state/search when it is no longer needed"
            ])
        let moved = plan(
            [
                unit(text.replacingOccurrences(of: "prim-state/search", with: "prim-data/search"), version: "v2"),
                caddy(),
            ], [live(unit(text))])
        XCTAssertEqual(
            moved.notes,
            [
                "prim 'search' moves to an empty state directory /var/lib/prim-data/search; its data stays in /var/lib/prim-state/search (move it by hand, with the prim stopped, if it should follow)"
            ])
        XCTAssertEqual(plan([unit(text), caddy()], [live(unit(text))]).notes, [], "unchanged")
    }

    func testFilesWithoutPrimsMarkerAreNeverDeleted() {
        let p = plan([caddy(sites: [])], [live(fragment(), owned: false)], sites: [])
        XCTAssertEqual(actions(p), [])
    }

    /// A file without prim's marker where prim writes one is taken over, and the change says so in
    /// a field of its own (the apply never reads a reason).
    func testAFileInTheWayIsAdoptedByAFieldOfTheChange() {
        let p = plan([fragment(), caddy()], [live(fragment(), content: "someone else's site {}\n", owned: false)])
        let change = p.changes.first { $0.address.kind == .caddyFragment }
        XCTAssertEqual(change?.reason?.code, "adopt")
        XCTAssertEqual(change?.adopts, true)
        XCTAssertFalse(
            plan([fragment(), caddy()], [live(fragment(), content: "changed\n")]).changes.contains { $0.adopts })
    }

    func testBlockedPrimKeepsWhatIsLive() {
        let blocked = BlockedPrim(prim: "search", missingEnv: ["KEY"], message: "missing KEY")
        let p = plan([caddy(sites: [])], [env(), unit(), fragment()].map { live($0) }, sites: [], blocked: [blocked])
        XCTAssertEqual(actions(p), [])
        XCTAssertFalse(p.hasChanges, "a blocked prim is a warning, not a change (diff exits 0, apply does nothing)")
    }

    func testSensitiveChangeCarriesNoContent() {
        let p = plan([env("# Managed by prim\nKEY=new-secret\n")], [live(env("# Managed by prim\nKEY=old-secret\n"))])
        let change = p.pending[0]
        XCTAssertEqual(change.action, .update)
        XCTAssertNil(change.before)
        XCTAssertNil(change.after)
        XCTAssertTrue(change.sensitive)
    }

    func testStaleRunningConfigReloadsCaddy() {
        let p = plan([fragment(), caddy()], [live(fragment())], sites: [])
        XCTAssertEqual(actions(p), ["reload caddy"])
        XCTAssertEqual(p.pending[0].reason?.code, "running-config-stale")
    }
}

final class MassDeletionRuleTests: XCTestCase {
    func plan(deployed: Int, removed: Int, added: Int = 0) -> Plan {
        var changes: [Change] = []
        for index in 0..<deployed {
            let address = ResourceNames.unit("p\(index)")
            changes.append(
                Change(
                    address: address, prim: "p\(index)", path: address.name, action: index < removed ? .delete : .noop))
        }
        for index in 0..<added {
            let address = ResourceNames.unit("n\(index)")
            changes.append(Change(address: address, prim: "n\(index)", path: address.name, action: .create))
        }
        return Plan(host: "h", changes: changes)
    }

    /// (deployed, removed, refused): at most max(3, 30 %) of the deployed prims go in one apply,
    /// and never all of them.
    let table: [(String, Int, Int, Bool)] = [
        ("three of three is refused: all of them", 3, 3, true),
        ("the only prim is refused", 1, 1, true),
        ("two of three is allowed", 3, 2, false),
        ("four of five is refused", 5, 4, true),
        ("three of five is allowed", 5, 3, false),
        ("thirty of a hundred is allowed", 100, 30, false),
        ("thirty-one of a hundred is refused", 100, 31, true),
        ("all of ten is refused", 10, 10, true),
    ]

    func testTheLimitIsTheLargerOfThreeAndThirtyPercent() {
        for (name, deployed, removed, refused) in table {
            XCTAssertEqual(MassDeletion.refusal(plan(deployed: deployed, removed: removed)) != nil, refused, name)
        }
        XCTAssertNil(MassDeletion.refusal(plan(deployed: 0, removed: 0, added: 50)), "creations never count")
        let message = MassDeletion.refusal(plan(deployed: 5, removed: 4)) ?? ""
        XCTAssertTrue(message.contains("remove 4 of the 5 prims deployed on host 'h' (p0, p1, p2, p3)"), message)
        var held = plan(deployed: 2, removed: 0)
        held.changes = held.changes.map {
            var change = $0; change.action = .stop; return change
        }
        XCTAssertTrue(
            (MassDeletion.refusal(held) ?? "").contains("stop or remove all 2 prims"), "holding every prim counts")
        let all = MassDeletion.refusal(plan(deployed: 3, removed: 3, added: 2)) ?? ""
        XCTAssertTrue(
            all.contains("remove all 3 prims deployed on host 'h' (p0, p1, p2), every prim it serves now"), all)
    }
}
