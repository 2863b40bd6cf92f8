import Foundation
import PrimEngine
import PrimHost
import PrimPlan
import XCTest

final class ResumeTests: XCTestCase {
    func change(_ address: ResourceAddress, _ action: Action) -> Change {
        Change(address: address, prim: nil, path: address.name, action: action)
    }

    /// Steps as the journal spells them.
    func steps(_ texts: String...) -> [JournalStep] { texts.map { JournalStep(parsing: $0)! } }

    func testUnfinishedRestartIsForcedEvenWhenFilesLookConverged() {
        let plan = Plan(
            host: "h",
            changes: [
                change(ResourceNames.envFile("a"), .noop),
                change(ResourceNames.unit("a"), .noop),
                change(ResourceNames.unit("b"), .noop),
                change(ResourceNames.caddyConfig, .noop),
            ])
        let adjusted = Resume.adjust(
            plan, unfinished: steps("restart unit.prim-a@.service", "reload caddy_config.caddy"), kinds: Kinds.planners)
        XCTAssertEqual(adjusted.changes.map(\.action), [.noop, .restart, .noop, .reload])
        XCTAssertEqual(adjusted.changes[1].reason?.code, "resume")
    }

    func testFinishedStepsAndNonUnitStepsAreNotForced() {
        let plan = Plan(
            host: "h", changes: [change(ResourceNames.unit("a"), .noop), change(ResourceNames.unit("b"), .update)])
        let adjusted = Resume.adjust(
            plan, unfinished: steps("create env_file.a.env", "update unit.prim-b@.service"), kinds: Kinds.planners)
        XCTAssertEqual(adjusted.changes.map(\.action), [.noop, .update])
    }

    func testJournalReportsUnfinishedSteps() throws {
        let dir = NSTemporaryDirectory() + "prim-journal-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let journal = try ApplyJournal.begin(
            dataDir: dir,
            header: .init(
                generation: 7, revision: nil, started: Date(),
                steps: steps("create env_file.a.env", "create unit.prim-a@.service")))
        journal.markDone(steps("create env_file.a.env")[0])
        // The file spells each step as a string, as journals written before steps were typed: an
        // apply interrupted by an older primctl still resumes.
        let text = try String(contentsOfFile: ApplyJournal.path(dataDir: dir), encoding: .utf8)
        XCTAssertTrue(text.contains("\"steps\":[\"create env_file.a.env\",\"create unit.prim-a@.service\"]"), text)
        XCTAssertTrue(text.contains("{\"done\":\"create env_file.a.env\"}"), text)
        let interrupted = try XCTUnwrap(ApplyJournal.interrupted(dataDir: dir))
        XCTAssertEqual(interrupted.header.generation, 7)
        XCTAssertEqual(interrupted.unfinished, steps("create unit.prim-a@.service"))
        journal.finish()
        XCTAssertNil(ApplyJournal.interrupted(dataDir: dir))
    }

    func testAStepThisVersionCannotReadIsPassedOverNotTheJournal() throws {
        let dir = NSTemporaryDirectory() + "prim-journal-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = """
            {"generation":3,"started":"2026-12-06T10:00:00Z","steps":["create env_file.a.env","frobnicate unit.x","restart unit.prim-a@.service"]}
            {"done":"create env_file.a.env"}

            """
        try text.write(toFile: ApplyJournal.path(dataDir: dir), atomically: true, encoding: .utf8)
        let interrupted = try XCTUnwrap(ApplyJournal.interrupted(dataDir: dir))
        XCTAssertEqual(interrupted.unfinished, steps("restart unit.prim-a@.service"))
    }

    func testInventoryMarksOnlyWhatPrimCreated() {
        var inventory = Inventory()
        inventory.add(ResourceNames.unit("a"), path: "/u/prim-a.service")
        let marked = inventory.mark([
            ObservedResource(address: ResourceNames.unit("a"), content: "", digest: ""),
            ObservedResource(address: ResourceNames.unit("b"), content: "", digest: ""),
        ])
        XCTAssertEqual(marked.map(\.owned), [true, false])
    }
}
