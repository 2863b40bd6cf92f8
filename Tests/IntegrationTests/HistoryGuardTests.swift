import Foundation
import PrimSystem
import XCTest

/// primd follows its branch forward only: a force-push, unrelated history or an older commit (signed
/// or not) is not applied until the operator allows it once; a deleted branch is reported.
final class HistoryGuardTests: PrimdTestCase {
    override func initialFiles() -> [String: String] {
        var files = ConvergedState.files()
        files["prims/gamma.yaml"] = "id: gamma\nstatus: testing\nport: 3260\n"
        return files
    }

    func start(_ extra: String = "") throws -> PrimdProcess {
        let process = try PrimdProcess(testbed: testbed, repo: "file://\(repo.bare)", extra: extra, poll: 1)
        primd = process
        process.waitFor("the first revision to be applied") {
            process.status()?["last_applied_revision"] as? String != nil
        }
        return process
    }

    /// Moves main in the bare repository to `commit`, as a force-push does.
    func forcePush(_ commit: String) throws {
        XCTAssertEqual(
            try repo.git(["-C", repo.work, "push", "-q", "--force", "origin", "\(commit):refs/heads/main"]).status, 0)
    }

    /// Every commit is signed and primd requires signatures: a replayed old signed commit is a
    /// downgrade, refused all the same.
    func testAnOlderSignedCommitIsNotAppliedUntilTheOperatorAllowsItOnce() throws {
        let keys = "\(testbed.directory)/keys"
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        XCTAssertEqual(
            try Command.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ops", "-f", "\(keys)/ops"])
                .status, 0)
        let publicKey = try String(contentsOfFile: "\(keys)/ops.pub", encoding: .utf8).split(separator: " ")
        try "ops@prim.test \(publicKey[0]) \(publicKey[1])\n".write(
            toFile: "\(keys)/allowed_signers", atomically: true, encoding: .utf8)
        var state = ConvergedState.files()
        state["prims/gamma.yaml"] = "id: gamma\nstatus: testing\nport: 3260\n"
        repo = try StateRepository(files: state, signingKey: "\(keys)/ops")
        let first = try repo.git(["-C", repo.work, "rev-parse", "HEAD"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        let primd = try start("  allowed_signers: \(keys)/allowed_signers\n")
        let second = try repo.commit(
            ["prims/delta.yaml": "id: delta\nstatus: testing\nport: 3261\n"], message: "add delta")
        primd.waitFor("the second commit to be applied") {
            primd.status()?["last_applied_revision"] as? String == second
        }
        let files = testbed.liveFiles()

        try forcePush(first)
        primd.waitForAttemptToEnd(first, "the older commit")
        let stalled = primd.condition("Stalled")
        XCTAssertEqual(stalled?["reason"] as? String, "HistoryRewritten", "\(primd.status() ?? [:])")
        let message = stalled?["message"] as? String ?? ""
        XCTAssertTrue(
            message.contains(
                "moved from \(second.prefix(12)), which the host runs, to \(first.prefix(12)): an older commit"),
            message)
        XCTAssertTrue(message.contains("primctl reconcile --allow-rewrite"), message)
        XCTAssertEqual(primd.status()?["last_applied_revision"] as? String, second)
        primd.waitForFetches(2, seeing: first)
        XCTAssertEqual(testbed.liveFiles(), files, "nothing changed")
        XCTAssertEqual(try testbed.activeState("prim-delta.service"), "active")

        let asked = try Primctl.run([
            "reconcile", "--allow-rewrite", "--config", "\(testbed.directory)/primd-\(primd.port).yaml",
        ])
        XCTAssertEqual(asked.status, 0, asked.stdout + asked.stderr)
        XCTAssertTrue(asked.stdout.contains("applying a rewritten branch once"), asked.stdout)
        primd.waitFor("the older commit to be applied once allowed") {
            primd.status()?["last_applied_revision"] as? String == first
        }
        XCTAssertEqual(try testbed.unitProperty("prim-delta.service", "LoadState"), "not-found")
    }

    func testUnrelatedHistoryIsNotAppliedAndADeletedBranchIsReported() throws {
        let primd = try start()
        let applied = primd.status()?["last_applied_revision"] as? String
        let files = testbed.liveFiles()
        // An unrelated root commit whose state has no prims at all.
        XCTAssertEqual(try repo.git(["-C", repo.work, "checkout", "-q", "--orphan", "other"]).status, 0)
        XCTAssertEqual(try repo.git(["-C", repo.work, "rm", "-q", "-r", "--cached", "."]).status, 0)
        try "domain: prim.test\n".write(toFile: "\(repo.work)/state/hosts/t.yaml", atomically: true, encoding: .utf8)
        XCTAssertEqual(try repo.git(["-C", repo.work, "add", "state/hosts/t.yaml"]).status, 0)
        XCTAssertEqual(try repo.git(["-C", repo.work, "commit", "-q", "-m", "unrelated"]).status, 0)
        let unrelated = try repo.git(["-C", repo.work, "rev-parse", "HEAD"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        try forcePush(unrelated)
        primd.waitForAttemptToEnd(unrelated, "the unrelated commit")
        let message = primd.condition("Stalled")?["message"] as? String ?? ""
        XCTAssertTrue(message.contains("history that does not contain it"), message)
        XCTAssertEqual(primd.status()?["last_applied_revision"] as? String, applied)
        XCTAssertEqual(testbed.liveFiles(), files, "nothing changed")

        XCTAssertEqual(try repo.git(["-C", repo.bare, "update-ref", "-d", "refs/heads/main"]).status, 0)
        primd.waitFor("the missing branch to be reported") {
            primd.condition("Stalled")?["reason"] as? String == "BranchMissing"
        }
        XCTAssertEqual(primd.condition("Ready")?["status"] as? Bool, false)
        XCTAssertTrue(
            (primd.condition("Ready")?["message"] as? String ?? "").contains("the repository has no branch 'main'"))
        XCTAssertEqual(testbed.liveFiles(), files, "nothing changed")
        // The branch back where it was: Ready again, nothing changed.
        XCTAssertEqual(
            try repo.git(["-C", repo.bare, "update-ref", "refs/heads/main", try XCTUnwrap(applied)]).status, 0)
        primd.waitFor("Ready once the branch is back") { primd.condition("Ready")?["status"] as? Bool == true }
        XCTAssertEqual(testbed.liveFiles(), files, "nothing changed")
    }
}
