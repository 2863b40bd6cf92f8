import PrimEngine
import PrimPlan
import PrimTestSupport
import ReleaseReconciler
import SecretsReconciler
import XCTest

/// The env files' and the releases' kinds, applied on fakes: what each writes and removes, what the
/// inventory then says, and a writer that fails.
final class FileKindApplyTests: XCTestCase {
    let envFiles = EnvFileReconciler()
    let releases = ReleaseReconciler()

    func env(_ prim: String, _ content: String, in harness: KindHarness) -> DesiredResource {
        KindHarness.file(
            ResourceNames.envFile(prim), prim: prim, path: "\(harness.config.envDir)/\(prim).env", content: content,
            sensitive: true)
    }

    func release(_ prim: String, _ manifest: String, in harness: KindHarness) -> DesiredResource {
        KindHarness.file(
            ResourceAddress(.release, prim), prim: prim, path: harness.config.paths.release(prim), content: manifest)
    }

    /// A harness whose `kind` writes through recording fakes.
    func fakes(_ kind: ResourceKind) throws -> (KindHarness, RecordingFiles) {
        let harness = try KindHarness()
        let files = RecordingFiles()
        harness.drivers.files[kind] = files
        return (harness, files)
    }

    func testEnvFiles_CreateUpdateAndRemove() throws {
        let (harness, files) = try fakes(.envFile)
        let alpha = env("alpha", "PORT=3001\nKEY=one\n", in: harness)
        let beta = env("beta", "PORT=3002\n", in: harness)
        let gone = env("gamma", "PORT=3003\n", in: harness)
        let desired = DesiredHost(host: "h", resources: [alpha, beta])
        // alpha is new, beta's value changed, gamma is no longer declared.
        let live = [KindHarness.live(beta, content: "PORT=3002\nOLD=1\n"), KindHarness.live(gone)]
        let plan = harness.plan([envFiles], desired: desired, live: live)
        XCTAssertEqual(
            plan.pending.map { JournalStep($0).description }.sorted(),
            ["create env_file.alpha.env", "delete env_file.gamma.env", "update env_file.beta.env"])

        let generation = try harness.apply(plan, [envFiles], desired: desired)

        XCTAssertEqual(generation.outcome, .converged)
        XCTAssertEqual(
            files.calls,
            [
                .write(path: alpha.path, content: alpha.content), .write(path: beta.path, content: beta.content),
                .remove(path: gone.path),
            ], "creations and updates first, the removal last")
        XCTAssertEqual(try harness.inventory(), ["env_file.alpha.env", "env_file.beta.env"])
        XCTAssertEqual([generation.added, generation.changed, generation.destroyed], [1, 1, 1])
    }

    func testEnvFiles_AWriterThatFailsStopsTheApplyAndLeavesTheJournal() throws {
        let (harness, files) = try fakes(.envFile)
        let alpha = env("alpha", "PORT=3001\n", in: harness)
        let beta = env("beta", "PORT=3002\n", in: harness)
        files.failing = [alpha.path]
        let desired = DesiredHost(host: "h", resources: [alpha, beta])
        let plan = harness.plan([envFiles], desired: desired, live: [])

        XCTAssertThrowsError(try harness.apply(plan, [envFiles], desired: desired)) { error in
            XCTAssertTrue("\(error)".contains("cannot write \(alpha.path)"), "\(error)")
        }
        XCTAssertEqual(files.calls, [], "nothing after the failed step is written")
        XCTAssertEqual(
            harness.failures, ["create env_file.alpha.env: cannot write \(alpha.path) (a fake told to fail)"])
        XCTAssertEqual(try harness.inventory(), [], "a file that was not written is not prim's")
        let left = try XCTUnwrap(ApplyJournal.interrupted(dataDir: harness.dataDir), "the next apply resumes")
        XCTAssertEqual(left.unfinished.map(\.description), ["create env_file.alpha.env", "create env_file.beta.env"])
    }

    func testReleases_WrittenAtTheStageAndRemovedLast() throws {
        let (harness, files) = try fakes(.release)
        let fresh = release("alpha", "644 aaa server.py\n", in: harness)
        let old = release("beta", "644 bbb server.py\n", in: harness)
        let desired = DesiredHost(host: "h", resources: [fresh])
        let plan = harness.plan([releases], desired: desired, live: [KindHarness.live(old)])

        let generation = try harness.apply(plan, [releases], desired: desired)

        XCTAssertEqual(generation.outcome, .converged)
        XCTAssertEqual(files.calls, [.write(path: fresh.path, content: fresh.content), .remove(path: old.path)])
        XCTAssertEqual(try harness.inventory(), ["release.alpha"])
    }

    func testReleases_AnUnchangedReleaseIsNotWritten() throws {
        let (harness, files) = try fakes(.release)
        let same = release("alpha", "644 aaa server.py\n", in: harness)
        let desired = DesiredHost(host: "h", resources: [same])
        let plan = harness.plan([releases], desired: desired, live: [KindHarness.live(same)])
        XCTAssertTrue(plan.pending.isEmpty)
        _ = try harness.apply(plan, [releases], desired: desired)
        XCTAssertEqual(files.calls, [])
    }

    func testReleases_AFailedRemovalKeepsTheReleaseInTheInventory() throws {
        let (harness, files) = try fakes(.release)
        let old = release("beta", "644 bbb server.py\n", in: harness)
        var inventory = Inventory()
        inventory.add(old.address, path: old.path)
        try inventory.save(dataDir: harness.dataDir)
        files.failing = [old.path]
        let desired = DesiredHost(host: "h", resources: [])
        let plan = harness.plan([releases], desired: desired, live: [KindHarness.live(old)])

        XCTAssertThrowsError(try harness.apply(plan, [releases], desired: desired))
        XCTAssertEqual(try harness.inventory(), ["release.beta"], "still prim's, so the next apply removes it")
    }
}
