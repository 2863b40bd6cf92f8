import PrimSystem
import XCTest

/// A repository URL with a token in it is never repeated with the token (status, logs, pages).
final class RedactionTests: XCTestCase {
    func testATokenInAURLIsNotRepeated() {
        XCTAssertEqual(
            GitRepository.redacted("https://oauth2:glpat-SECRET@gitlab.example/ops/state.git"),
            "https://oauth2:***@gitlab.example/ops/state.git")
        XCTAssertEqual(GitRepository.redacted("https://TOKEN@github.example/o/r"), "https://***@github.example/o/r")
        XCTAssertEqual(
            GitRepository.redacted("https://git.example/o/r@v1"), "https://git.example/o/r@v1", "an @ after the host")
        XCTAssertEqual(GitRepository.redacted("file:///var/lib/prsh/state.git"), "file:///var/lib/prsh/state.git")
        XCTAssertEqual(
            GitRepository.redacted("https://u:p@ss@host.example/r"), "https://u:***@host.example/r",
            "a password holding an @")
        XCTAssertEqual(GitRepository.redacted("https://host.example:8443/o/r@v1"), "https://host.example:8443/o/r@v1")
    }

    func testAFailedFetchNamesTheURLWithoutItsToken() throws {
        let repository = try GitRepository.openOrCreateBare(Paths.temporaryDirectory("redaction") + "/mirror.git")
        XCTAssertThrowsError(
            try repository.fetch("http://user:s3cret-token@127.0.0.1:9/none.git", token: nil, specs: ["+main:main"])
        ) {
            error in
            XCTAssertFalse("\(error)".contains("s3cret-token"), "\(error)")
            XCTAssertTrue("\(error)".contains("user:***@127.0.0.1"), "\(error)")
        }
    }
}
