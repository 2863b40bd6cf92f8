import Foundation
import PrimModel
import XCTest

/// What the three programs say of themselves, without a host.
final class CLITests: XCTestCase {
    func testEachProgramPrintsItsVersion() throws {
        let directory = (Paths.primctl as NSString).deletingLastPathComponent
        for program in ["primctl", "primd", "prsh"] {
            let result = try Command.run("\(directory)/\(program)", ["--version"])
            XCTAssertEqual(result.status, 0, "\(program): \(result.stderr)")
            XCTAssertEqual(result.stdout, PrimVersion.number + "\n", program)
        }
    }

    /// The CLI writes its own shell completions; bash loads them.
    func testBashLoadsTheCompletions() throws {
        let loaded = try Command.run(
            "/bin/bash", ["-c", "source <(\(Paths.primctl) --generate-completion-script bash) && complete -p primctl"])
        XCTAssertEqual(loaded.status, 0, loaded.stderr)
        XCTAssertTrue(loaded.stdout.contains("-F _primctl") && loaded.stdout.hasSuffix(" primctl\n"), loaded.stdout)
    }

    /// A command that acts on the host alone offers no state options it would ignore; one that
    /// reads a state does.
    func testEachCommandOffersOnlyTheOptionsItUses() throws {
        let hostOnly = [
            ["reconcile"], ["status"], ["history"], ["suspend"], ["resume"], ["secret", "set"], ["secret", "rm"],
            ["dns", "held"], ["dns", "release"], ["host", "init"],
        ]
        for command in hostOnly {
            let help = try Command.run(Paths.primctl, command + ["--help"]).stdout
            XCTAssertTrue(help.contains("--config"), "\(command): \(help)")
            for option in ["--state", "--repo", "--rev"] {
                XCTAssertFalse(help.contains(option), "\(command) offers \(option), which it ignores")
            }
        }
        for command in [["validate"], ["diff"], ["apply"], ["secret", "list"]] {
            let help = try Command.run(Paths.primctl, command + ["--help"]).stdout
            XCTAssertTrue(help.contains("--state") && help.contains("--repo"), "\(command): \(help)")
        }
    }
}
