import Foundation
import PrimSystem
import XCTest

/// primd and the operator do not fight: an apply of anything but what primd runs needs --force or
/// a suspension; while suspended, primd applies no commit and repairs no drift, and says so.
final class SuspendTests: PrimdTestCase {
    func testSuspendHoldsPrimdAndTheOperatorNeedsItOrForceToApplySomethingElse() throws {
        let process = try PrimdProcess(testbed: testbed, repo: "file://\(repo.bare)", extra: "  drift_interval: 1\n")
        primd = process
        process.waitFor("the first revision to be applied") {
            process.status()?["last_applied_revision"] as? String != nil
        }
        let applied = try XCTUnwrap(process.status()?["last_applied_revision"] as? String)
        func primctl(_ arguments: [String]) throws -> CommandResult {
            try Primctl.run(arguments + ["--config", process.config])
        }

        // Another state: diff warns, apply refuses without --force and changes nothing.
        let other = try writeTree(ConvergedState.files(betaPort: 3212))
        let beta = try testbed.invocation("prim-beta.service")
        let diff = try primctl(["diff", "--state", other])
        XCTAssertEqual(diff.status, 2, diff.stdout + diff.stderr)
        XCTAssertTrue(diff.stdout.contains("Warning: primd on this host follows file://\(repo.bare)"), diff.stdout)
        let refused = try primctl(["apply", "--state", other, "--yes"])
        XCTAssertEqual(refused.status, 1, refused.stdout + refused.stderr)
        XCTAssertTrue(
            refused.stderr.contains("would be undone at its next drift check. Run `primctl suspend` first"),
            refused.stderr)
        XCTAssertEqual(try testbed.invocation("prim-beta.service"), beta, "nothing was applied")
        XCTAssertEqual((try? HTTPClient_get("http://127.0.0.1:3212/")), 0)
        // The very commit primd runs may be applied by hand.
        let same = try primctl(["diff", "--repo", repo.work, "--rev", applied, "--state", "state"])
        XCTAssertEqual(same.status, 0, same.stdout + same.stderr)
        XCTAssertFalse(same.stdout.contains("primd on this host follows"), same.stdout)

        // Suspended: the operator's apply and stop stay, a new commit waits, and status says why.
        let suspend = try primctl(["suspend", "--reason", "moving beta by hand"])
        XCTAssertEqual(suspend.status, 0, suspend.stdout + suspend.stderr)
        let apply = try primctl(["apply", "--state", other, "--yes"])
        XCTAssertEqual(apply.status, 0, apply.stdout + apply.stderr)
        XCTAssertTrue(testbed.viaCaddy("beta.prim.test").1.contains("beta.sh"))
        XCTAssertEqual((try? HTTPClient_get("http://127.0.0.1:3212/")), 200)
        XCTAssertEqual(try testbed.managerCall("StopUnit", "ss", [try testbed.unit("alpha"), "replace"]).status, 0)
        let commit = try repo.commit(
            ["prims/beta.yaml": ConvergedState.files(betaDescription: "beta v2")["prims/beta.yaml"]!],
            message: "beta v2")
        process.waitFor("primd to fetch the new commit and say it is suspended") {
            let status = process.status()
            let condition = (status?["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == "Suspended" }
            return status?["last_fetched_revision"] as? String == commit && condition?["status"] as? Bool == true
                && (condition?["message"] as? String ?? "").contains("moving beta by hand")
        }
        // Three more drift checks' worth of fetches: nothing is repaired or applied.
        let fetches = process.status()?["fetches"] as? Int ?? 0
        process.waitFor("three more fetches") { (process.status()?["fetches"] as? Int ?? 0) >= fetches + 3 }
        XCTAssertEqual(try testbed.activeState("prim-alpha.service"), "inactive", "the operator's stop stays")
        XCTAssertEqual(process.status()?["last_applied_revision"] as? String, applied, "the new commit waits")
        XCTAssertEqual((try? HTTPClient_get("http://127.0.0.1:3212/")), 200, "the operator's apply stays")
        let human = try primctl(["status"])
        XCTAssertTrue(human.stdout.contains("Suspended"), human.stdout)

        // Resumed: primd applies its branch and repairs what drifted.
        let resume = try primctl(["resume"])
        XCTAssertEqual(resume.status, 0, resume.stdout + resume.stderr)
        process.waitFor("primd to apply the new commit") {
            process.status()?["last_applied_revision"] as? String == commit
        }
        process.waitFor("alpha to run again") { (try? testbed.activeState("prim-alpha.service")) == "active" }
        XCTAssertEqual(testbed.viaCaddy("beta.prim.test").1, "{\"service\": \"beta.sh\", \"status\": \"ok\"}")
        XCTAssertEqual((try? HTTPClient_get("http://127.0.0.1:3202/")), 200, "beta is back on the branch's port")
        let condition = (process.status()?["conditions"] as? [[String: Any]])?.first {
            $0["type"] as? String == "Suspended"
        }
        XCTAssertEqual(condition?["status"] as? Bool, false)
    }
}
