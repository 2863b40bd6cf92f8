import PRService
import PrimModel
import XCTest

final class PolicyGateTests: XCTestCase {
    func state(_ files: [String: String]) -> DesiredState {
        let snapshot = StateSnapshot(entries: files.mapValues { .file(Array($0.utf8)) })
        let result = StateLoader.load(snapshot)
        XCTAssertTrue(result.isValid, "\(result.errors)")
        return result.state
    }

    lazy var base = state([
        "prims/live.yaml": "id: live\nstatus: live\nport: 3001\nenv: [KEY]\n",
        "prims/test.yaml": "id: test\nstatus: testing\nport: 3002\n",
        "secrets/KEY.yaml": "prims: [live]\nexternal: true\n",
        "providers/tavily.yaml": "env: [KEY]\n",
    ])

    func testTouchedPrimsFollowFilesPackagesSecretsAndProviders() {
        XCTAssertEqual(
            PolicyGate.touchedPrims(paths: ["prims/new.yaml", "packages/test/src/a.ts"], base: base, head: nil),
            ["new", "test"])
        XCTAssertEqual(PolicyGate.touchedPrims(paths: ["secrets/KEY.yaml"], base: base, head: nil), ["live"])
        XCTAssertEqual(PolicyGate.touchedPrims(paths: ["providers/tavily.yaml"], base: base, head: nil), [])
    }

    /// Code a host shares with its prims is each of those prims' code: a change to it touches them all
    /// (their deployments are followed, their owners asked), not a prim named after the folder.
    func testSharedCodeTouchesEveryPrimOfItsHost() {
        let shared = state([
            "hosts/vps.yaml": "domain: prim.test\nshared: [packages/stub]\n",
            "prims/live.yaml": "id: live\nstatus: live\nport: 3001\n",
            "prims/test.yaml": "id: test\nstatus: testing\nport: 3002\n",
            "prims/idea.yaml": "id: idea\nstatus: idea\n",
        ])
        XCTAssertEqual(
            PolicyGate.touchedPrims(paths: ["packages/stub/server.py"], base: shared, head: nil), ["live", "test"])
        XCTAssertEqual(PolicyGate.touchedPrims(paths: ["packages/stubby/x.py"], base: shared, head: nil), ["stubby"])
        XCTAssertEqual(PolicyGate.touchedPrims(paths: ["packages/test/x.py"], base: shared, head: nil), ["test"])
    }

    func testWhatNeedsAnOperator() {
        var policy = Policy()
        policy.isDeclared = true
        XCTAssertEqual(
            PolicyGate.approvalReasons(paths: ["prims/new.yaml"], prims: ["new"], base: base, policy: policy), [])
        XCTAssertEqual(
            PolicyGate.approvalReasons(paths: ["prims/test.yaml"], prims: ["test"], base: base, policy: policy), [])
        XCTAssertEqual(
            PolicyGate.approvalReasons(paths: ["prims/live.yaml"], prims: ["live"], base: base, policy: policy),
            ["prim 'live' is live"])
        XCTAssertEqual(
            PolicyGate.approvalReasons(paths: ["policy.yaml"], prims: [], base: base, policy: policy),
            ["it changes policy.yaml"])
        XCTAssertEqual(
            PolicyGate.approvalReasons(paths: ["hosts/vps.yaml"], prims: [], base: base, policy: policy),
            ["it changes a host (hosts/vps.yaml)"])
        var strict = policy
        strict.autoMergeNewPrims = false
        strict.autoMergeNonLive = false
        strict.protectedPaths = ["packages/test/**"]
        XCTAssertEqual(
            PolicyGate.approvalReasons(
                paths: ["prims/new.yaml", "packages/test/x"], prims: ["new", "test"], base: base, policy: strict),
            [
                "it changes packages/test/x, protected by 'packages/test/**'",
                "it adds prim 'new' and policy.yaml has auto_merge.new_prims: false",
                "it changes prim 'test' and policy.yaml has auto_merge.non_live: false",
            ])
    }

    /// Limits a prim sets itself: lowering needs nobody, raising (above what it had, or for a new
    /// prim above the standard limits) needs an operator.
    func testRaisingALimitNeedsAnOperator() {
        func reasons(_ deploy: String, before: String? = nil) -> [String] {
            var files = ["prims/p.yaml": "id: p\nstatus: testing\nport: 3005\ndeploy:\n\(deploy)"]
            let head = state(files)
            if let before { files["prims/p.yaml"] = "id: p\nstatus: testing\nport: 3005\ndeploy:\n\(before)" }
            let base = before == nil ? state([:]) : state(files)
            return RiskRules.reasons(paths: ["prims/p.yaml"], base: base, head: head)
        }
        XCTAssertEqual(
            reasons("  tasks_max: 32\n  memory_max: 128M\n  cpu_quota: 50%\n  tmp_size: 16M\n"), [],
            "a new prim that lowers its limits")
        XCTAssertEqual(reasons("  tasks_max: 1024\n").count, 1, "a new prim above the standard task limit")
        XCTAssertEqual(
            reasons("  memory_max: infinity\n").first?.contains("raises its memory limit (memory_max: infinity)"), true)
        XCTAssertEqual(
            reasons("  cpu_quota: 200%\n", before: "  cpu_quota: 50%\n").count, 1, "raised above what it had")
        XCTAssertEqual(reasons("  open_files: 64\n", before: "  open_files: 1024\n"), [], "lowered")
        XCTAssertEqual(
            reasons("  command: /bin/true\n", before: "  tmp_size: 16M\n").count, 1,
            "removing a lowered limit raises it back")
        XCTAssertEqual(reasons("  memory_max: 1T\n", before: "  memory_max: 25%\n").count, 1, "away from a percentage")
        // Against the host's limits (hosts/<name>.yaml), not only the standard ones.
        let host = "hosts/vps.yaml"
        let strict = "domain: prim.test\nlimits:\n  memory_max: 256M\n  cpu_quota: 50%\n"
        let head = state([
            host: strict,
            "prims/p.yaml": "id: p\nstatus: testing\nport: 3005\ndeploy:\n  memory_max: 512M\n  cpu_quota: 100%\n",
        ])
        XCTAssertEqual(
            RiskRules.reasons(paths: ["prims/p.yaml"], base: state([host: strict]), head: head).count, 2,
            "a new prim above its host's limits")
    }

    /// A prim's persistent directory is keyed by its owner too: another wallet re-creating a removed
    /// prim's id does not get its data.
    func testTheStateNameFollowsTheOwner() {
        let owned = state([
            "prims/notes.yaml": "id: notes\n",
            "owners/notes.yaml": "wallet: \"0xabcdef0123456789abcdef0123456789abcdef01\"\n",
        ])
        XCTAssertEqual(owned.stateName(of: "notes"), "notes-abcdef01")
        XCTAssertEqual(
            state(["prims/notes.yaml": "id: notes\n"]).stateName(of: "notes"), "notes", "the operator's prim")
    }

    /// A state without a policy.yaml has consented to no unattended merge, not to the defaults.
    func testWithoutAPolicyNothingMergesUnattended() {
        let none = Policy()
        XCTAssertFalse(none.isDeclared)
        for (paths, prims) in [
            (["prims/new.yaml"], ["new"]), (["prims/test.yaml"], ["test"]), (["packages/new/app.py"], ["new"]),
        ] {
            let reasons = PolicyGate.approvalReasons(paths: paths, prims: prims, base: base, policy: none)
            XCTAssertTrue(
                reasons.contains { $0.hasPrefix("main has no policy.yaml, so nothing merges unattended") },
                "\(paths): \(reasons)")
        }
        let loaded = StateLoader.load(StateSnapshot(entries: ["policy.yaml": .file(Array("stale_days: 3\n".utf8))]))
            .state.policy
        XCTAssertTrue(loaded.isDeclared, "a policy.yaml, even one that sets little, is declared")
    }
}

/// A new prim at a name a zone record points at needs an operator: it would receive that record's traffic.
final class DNSTargetRuleTests: XCTestCase {
    func state(_ files: [String: String]) -> DesiredState {
        let result = StateLoader.load(StateSnapshot(entries: files.mapValues { .file(Array($0.utf8)) }))
        XCTAssertTrue(result.isValid, "\(result.errors)")
        return result.state
    }

    let zone = [
        "hosts/h.yaml": "address: 192.0.2.1\ndomain: prim.test\n",
        "dns/prim.test.yaml":
            "provider: powerdns\nrecords:\n  - { name: \"@\", type: NS, content: ns1.prim.test. }\n  - { name: www, type: CNAME, content: app.prim.test. }\n",
    ]

    func testRecordsThatDecideWhoGetsACertificateNeedApproval() {
        let base = state(zone)
        for (record, needs) in [
            ("{ name: _acme-challenge, type: CNAME, content: x.attacker.test. }", true),
            ("{ name: _acme-challenge.www, type: TXT, content: '\"v\"' }", true),
            ("{ name: \"@\", type: CAA, content: '0 issue \"evil.test\"' }", true),
            ("{ name: shop, type: A, content: 192.0.2.7 }", false),
        ] {
            var files = zone
            files["dns/prim.test.yaml"]! += "  - \(record)\n"
            let reasons = RiskRules.reasons(paths: ["dns/prim.test.yaml"], base: base, head: state(files))
            XCTAssertEqual(
                reasons.contains { $0.contains("(rule certificate-control)") }, needs, "\(record): \(reasons)")
        }
    }

    func testClaimingATargetNeedsApprovalAndAnUnrelatedNameDoesNot() {
        let base = state(zone)
        for (id, record) in [("app", "CNAME record 'www'"), ("ns1", "NS record '@'")] {
            let head = state(zone.merging(["prims/\(id).yaml": "id: \(id)\nstatus: testing\nport: 3001\n"]) { $1 })
            let reasons = RiskRules.reasons(paths: ["prims/\(id).yaml"], base: base, head: head)
            XCTAssertEqual(reasons.count, 1, "\(reasons)")
            XCTAssertTrue(
                reasons.first?.contains(record) == true && reasons.first?.contains("(rule dns-target)") == true,
                "\(reasons)")
        }
        // A target in another zone's file counts too.
        var crossZone = zone
        crossZone["dns/other.test.yaml"] =
            "provider: powerdns\nrecords:\n  - { name: www, type: CNAME, content: shop.prim.test. }\n"
        let claimed = state(crossZone.merging(["prims/shop.yaml": "id: shop\nstatus: testing\nport: 3001\n"]) { $1 })
        XCTAssertEqual(RiskRules.reasons(paths: ["prims/shop.yaml"], base: state(crossZone), head: claimed).count, 1)
        let other = state(zone.merging(["prims/other.yaml": "id: other\nstatus: testing\nport: 3001\n"]) { $1 })
        XCTAssertEqual(RiskRules.reasons(paths: ["prims/other.yaml"], base: base, head: other), [])
    }
}
