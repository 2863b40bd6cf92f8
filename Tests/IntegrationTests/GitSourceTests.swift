import Foundation
import XCTest

/// State read from git commit trees with libgit2: a local path, file://, and a git:// server.
final class GitSourceTests: XCTestCase {
    var work = ""
    var cache = ""

    override func setUpWithError() throws {
        work = Paths.temporaryDirectory("prim-git")
        cache = Paths.temporaryDirectory("prim-cache")
        try git(["init", "-q", "-b", "main", work])
        try copyTree(Paths.repo("examples/quickstart"), to: "\(work)/state")
        try commit("quickstart")
        try write(Array("id: search\nstatus: live\nport: 80\n".utf8), to: "\(work)/state/prims/search.yaml")
        try commit("break search's port")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: work)
        try? FileManager.default.removeItem(atPath: cache)
    }

    @discardableResult
    func git(_ arguments: [String]) throws -> CommandResult { try runGit(arguments) }

    func commit(_ message: String) throws {
        try git(["-C", work, "add", "-A"])
        try git(["-C", work, "commit", "-q", "-m", message])
    }

    func copyTree(_ source: String, to destination: String) throws {
        try FileManager.default.copyItem(atPath: source, toPath: destination)
    }

    func validate(_ repo: String, rev: String, state: String = "state") throws -> CommandResult {
        try Primctl.run(
            ["validate", "--repo", repo, "--rev", rev, "--state", state],
            environment: ["XDG_CACHE_HOME": cache, "PRIM_CONFIG": "/nonexistent"])
    }

    func testLocalRepositoryAtTwoRevisions() throws {
        let bad = try validate(work, rev: "HEAD")
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(
            bad.stdout.contains("HEAD:state/prims/search.yaml:3:7: error: port 80 is out of range"),
            bad.stdout + bad.stderr)
        let good = try validate(work, rev: "HEAD~1")
        XCTAssertEqual(good.status, 0, good.stdout + good.stderr)
        XCTAssertEqual(good.stdout, "The state is valid.\n")
    }

    func testReadsTheCommitNotTheWorkTree() throws {
        try write(Array("not: [valid".utf8), to: "\(work)/state/prims/store.yaml")
        let result = try validate(work, rev: "main~1")
        XCTAssertEqual(result.status, 0, result.stdout)
    }

    func testFileURLIsMirroredIntoTheCache() throws {
        let result = try validate("file://\(work)", rev: "main~1")
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let mirrors = try FileManager.default.contentsOfDirectory(atPath: "\(cache)/prim/repos")
        XCTAssertEqual(mirrors.count, 1)
        // A second run fetches into the same mirror and sees new commits.
        try write(Array("id: search\nstatus: live\nport: 3105\n".utf8), to: "\(work)/state/prims/search.yaml")
        try commit("fix port")
        XCTAssertEqual(try validate("file://\(work)", rev: "main").status, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(cache)/prim/repos").count, 1)
    }

    func testGitDaemonServesTheState() throws {
        let bare = "\(work)-bare.git"
        try git(["clone", "-q", "--bare", work, bare])
        defer { try? FileManager.default.removeItem(atPath: bare) }
        let port = try freePort()
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        daemon.arguments = [
            "daemon", "--export-all", "--reuseaddr", "--listen=127.0.0.1", "--port=\(port)",
            "--base-path=\((bare as NSString).deletingLastPathComponent)", (bare as NSString).deletingLastPathComponent,
        ]
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer { daemon.terminate(); daemon.waitUntilExit() }
        let url = "git://127.0.0.1:\(port)/\((bare as NSString).lastPathComponent)"
        var result = try validate(url, rev: "main~1")
        for _ in 0..<40 where result.status != 0 && result.stderr.contains("cannot fetch") {
            usleep(100_000)
            result = try validate(url, rev: "main~1")
        }
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let bad = try validate(url, rev: "main")
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stdout.contains("main:state/prims/search.yaml:3:7: error: port 80"), bad.stdout)
    }

    func testSymlinkLeavingTheStateInACommit() throws {
        try FileManager.default.removeItem(atPath: "\(work)/state/prims/search.yaml")
        try FileManager.default.createSymbolicLink(
            atPath: "\(work)/state/prims/search.yaml", withDestinationPath: "../../../etc/passwd")
        try commit("escape")
        let result = try validate(work, rev: "HEAD")
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(
            result.stdout.contains(
                "HEAD:state/prims/search.yaml:1:1: error: symbolic link to '../../../etc/passwd' leaves the state root"),
            result.stdout)
    }

    func testUnknownRevisionAndMissingFolder() throws {
        let revision = try validate(work, rev: "no-such-branch")
        XCTAssertEqual(revision.status, 1)
        XCTAssertTrue(revision.stderr.contains("cannot find revision 'no-such-branch'"), revision.stderr)
        let folder = try validate(work, rev: "HEAD", state: "nope")
        XCTAssertEqual(folder.status, 1)
        XCTAssertTrue(folder.stderr.contains("path 'nope' does not exist in the commit"), folder.stderr)
    }

}
