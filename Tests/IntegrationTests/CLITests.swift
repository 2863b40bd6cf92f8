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
}
