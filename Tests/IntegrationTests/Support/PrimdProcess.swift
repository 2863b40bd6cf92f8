import Foundation
import PrimSystem
import XCTest

/// A git repository the tests commit to, served to primd as a bare repository.
final class StateRepository {
    let work: String
    let bare: String
    /// An SSH key commits are signed with (`git commit -S`, gpg.format=ssh), if set.
    var signingKey: String?

    /// What the test states hold when they name no policy: pr.sh merges nothing unattended
    /// without a policy.yaml, so the tests that expect merges on green say they want them.
    static let mergingPolicy = "auto_merge: { new_prims: true, non_live: true }\n"

    /// `withoutPolicy` keeps the state free of a policy.yaml when `files` has none.
    init(files: [String: String], signingKey: String? = nil, withoutPolicy: Bool = false) throws {
        self.signingKey = signingKey
        work = Paths.temporaryDirectory("prim-repo-work")
        bare = work + ".git"
        var files = files
        if !withoutPolicy && files["policy.yaml"] == nil { files["policy.yaml"] = Self.mergingPolicy }
        try git(["init", "-q", "-b", "main", work])
        try commit(files, message: "initial state")
        try git(["clone", "-q", "--bare", work, bare])
        try git(["-C", work, "remote", "add", "origin", bare])
    }

    deinit {
        try? FileManager.default.removeItem(atPath: work)
        try? FileManager.default.removeItem(atPath: bare)
    }

    @discardableResult
    func git(_ arguments: [String]) throws -> CommandResult { try runGit(arguments) }

    /// A file as main holds it in the bare repository (what primd fetches).
    func file(_ path: String) throws -> String { try git(["-C", bare, "show", "main:\(path)"]).stdout }

    /// Writes files under `state/` (nil removes one) on top of the bare repository's main, commits, and pushes.
    @discardableResult
    func commit(_ files: [String: String?], message: String) throws -> String {
        // Others (pr.sh) may have moved main in the bare repository: start from there.
        if FileManager.default.fileExists(atPath: bare) {
            try git(["-C", work, "pull", "-q", "--ff-only", "origin", "main"])
        }
        for (path, text) in files {
            let full = "\(work)/state/\(path)"
            if let text {
                try write(Array(text.utf8), to: full)
            } else {
                try? FileManager.default.removeItem(atPath: full)
            }
        }
        try git(["-C", work, "add", "-A"])
        if let signingKey {
            try git([
                "-C", work, "-c", "gpg.format=ssh", "-c", "user.signingkey=\(signingKey)", "commit", "-q", "-S", "-m",
                message,
            ])
        } else {
            try git(["-C", work, "commit", "-q", "-m", message])
        }
        if FileManager.default.fileExists(atPath: bare) { try git(["-C", work, "push", "-q", "origin", "main"]) }
        return try git(["-C", work, "rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// primd running against a testbed, stopped with SIGTERM.
final class PrimdProcess {
    let pid: pid_t
    let port: Int
    /// The address primd listens on: 127.0.0.1, or a fleet host's own.
    let address: String
    let log: String
    /// primd's host config: the testbed's with a `controller:` section.
    let config: String

    /// - Parameter fileLimit: the descriptors primd may hold (RLIMIT_NOFILE), as a unit's LimitNOFILE sets it.
    /// - Parameter fleetHost: a fleet's host to run on: primd runs in its network namespace and
    ///   listens on its address (where this process can reach it).
    init(
        testbed: Testbed, repo: String?, extra: String = "", secret: String? = nil, poll: Int = 1,
        fileLimit: Int? = nil,
        fleetHost: (namespace: String, address: String)? = nil
    ) throws {
        // A fleet host's primd listens on its own address, on the port its hosts/<name>.yaml names.
        port = fleetHost == nil ? try freePort() : Fleet.controlPort
        address = fleetHost?.address ?? "127.0.0.1"
        var config = try String(contentsOfFile: testbed.config, encoding: .utf8)
        config +=
            "controller:\n\(repo.map { "  repo: \($0)\n" } ?? "")  state_path: state\n  poll_interval: \(poll)\n  listen: \(address):\(port)\n\(extra)"
        if let secret {
            try secret.write(toFile: "\(testbed.directory)/hook-secret", atomically: true, encoding: .utf8)
            config += "  webhook_secret_file: \(testbed.directory)/hook-secret\n"
        }
        let path = "\(testbed.directory)/primd-\(port).yaml"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        self.config = path
        log = "\(testbed.directory)/primd-\(port).log"
        let primd = Paths.primctl.replacingOccurrences(of: "/primctl", with: "/primd")
        if let fileLimit {
            // prlimit sets the limit and execs primd in its own process: the pid is primd's.
            pid = Command.spawn(
                "/usr/bin/prlimit", ["--nofile=\(fileLimit):\(fileLimit)", primd, "--config", path], stdout: log,
                stderr: log + ".err")
        } else if let fleetHost {
            // nsenter enters the network namespace and execs primd: the pid is primd's.
            pid = Command.spawn(
                "/usr/bin/nsenter", ["--net=/run/netns/\(fleetHost.namespace)", primd, "--config", path], stdout: log,
                stderr: log + ".err")
        } else {
            pid = Command.spawn(primd, ["--config", path], stdout: log, stderr: log + ".err")
        }
    }

    func stop() -> Int32 {
        kill(pid, SIGTERM)
        return Command.wait(pid)
    }

    var url: String { "http://\(address):\(port)" }

    /// primd's peak resident memory so far (VmHWM), in kB; -1 when it cannot be read.
    var peakKilobytes: Int {
        (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? -1
    }

    func get(_ path: String) -> HTTPResponse? { try? HTTPClient.request("GET", url + path, timeout: 5) }

    func status() -> [String: Any]? {
        guard let body = get("/status")?.body else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
    }

    func condition(_ type: String) -> [String: Any]? {
        (status()?["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == type }
    }

    /// Waits until primd has attempted `revision` and the attempt has ended: an attempt is
    /// published as Reconciling (Progressing) before its outcome.
    func waitForAttemptToEnd(
        _ revision: String, _ what: String, timeout: Double = 30, file: StaticString = #filePath, line: UInt = #line
    ) {
        waitFor("the attempt of \(what) to end", timeout: timeout, file: file, line: line) {
            status()?["last_attempted_revision"] as? String == revision
                && condition("Reconciling")?["status"] as? Bool == false
        }
    }

    /// Waits until primd has fetched the repository `count` more times and seen `head` there: what
    /// it would do with that head, it has had the chance to do (in place of sleeping "long enough").
    func waitForFetches(_ count: Int, seeing head: String, file: StaticString = #filePath, line: UInt = #line) {
        let start = status()?["fetches"] as? Int ?? 0
        _ = waitFor("\(count) more fetches seeing \(head.prefix(12))", file: file, line: line) {
            let now = status()
            return (now?["fetches"] as? Int ?? 0) >= start + count && now?["last_fetched_revision"] as? String == head
        }
    }

    /// Waits until `check` holds; fails the test with primd's log if it does not within `timeout`.
    @discardableResult
    func waitFor(
        _ what: String, timeout: Double = 30, file: StaticString = #filePath, line: UInt = #line, _ check: () -> Bool
    ) -> Double {
        let started = Date()
        while !check() {
            if Date().timeIntervalSince(started) > timeout {
                let text = stderr
                XCTFail("timed out waiting for \(what); primd said:\n\(text.suffix(3000))", file: file, line: line)
                return timeout
            }
            usleep(20_000)
        }
        return Date().timeIntervalSince(started)
    }

    var stderr: String { String(decoding: FileManager.default.contents(atPath: log + ".err") ?? Data(), as: UTF8.self) }
}

/// A fresh testbed with `API_KEY` in its store, a state repository, and the primd a test starts
/// (stopped at the end).
class PrimdTestCase: XCTestCase {
    var testbed: Testbed!
    var repo: StateRepository!
    var primd: PrimdProcess?

    /// The repository's first commit: the converged two-prim state, plus what a test case adds.
    func initialFiles() -> [String: String] { ConvergedState.files() }

    override func setUpWithError() throws {
        testbed = try Testbed.up()
        repo = try StateRepository(files: initialFiles())
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "primd-secret").status, 0)
    }

    override func tearDown() {
        if let primd { _ = primd.stop() }
        testbed?.down()
        repo = nil
    }
}
