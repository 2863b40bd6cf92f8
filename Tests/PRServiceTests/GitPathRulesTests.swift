import PRService
import XCTest

/// git's own path rules for every platform, each a named case (after git's t1014/t0060 cases).
final class GitPathRulesTests: XCTestCase {
    let table: [(String, GitPathRules.Rule?)] = [
        ("packages/a/app.py", nil),
        ("packages/a/.github/workflow.yml", nil),
        ("packages/a/.gitignore", nil),
        ("packages/a/café.py", nil),
        ("packages/a/conf.py", nil),
        ("packages/a/.git/config", .dotgit),
        ("packages/a/.GiT/config", .dotgit),
        ("packages/a/.g\u{200D}it/config", .hfsDotgit),
        ("packages/a/\u{FEFF}.git/config", .hfsDotgit),
        ("packages/a/.git./config", .ntfsDotgit),
        ("packages/a/.git ./x", .ntfsDotgit),
        ("packages/a/.git::$INDEX_ALLOCATION/x", .ntfsDotgit),
        ("packages/a/git~1/config", .ntfsShortName),
        ("packages/a/.gitmodules", .gitmodules),
        ("packages/a/.GITMODULES . ", .gitmodules),
        ("packages/a/gitmod~4", .gitmodules),
        ("packages/a/gi7eba~9", .gitmodules),
        ("packages/a/.gitm\u{200C}odules", .gitmodules),
        ("packages/a/x\u{202E}y.py", .invisible),
        ("packages/a/a|b", .win32Name),
        ("packages/a/trailing.", .win32Name),
        ("packages/a/aux.py", .win32Name),
        ("packages/a/COM1", .win32Name),
        ("packages/a/conin$", .win32Name),
        ("packages/a/lpt\u{B9}.txt", .win32Name),
        ("packages/a/" + String(repeating: "é", count: 128), .nameLength),
        ("packages/a/cafe\u{0301}.py", .nfc),
    ]

    func testEachRule() {
        for (path, rule) in table {
            XCTAssertEqual(GitPathRules.violation(path)?.rule, rule, path.debugDescription)
        }
        XCTAssertEqual(Set(table.compactMap(\.1)), Set(GitPathRules.Rule.allCases), "every rule has a case")
    }
}
