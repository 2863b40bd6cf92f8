import Foundation
import XCTest

/// `kill -9` at several points of an apply, concurrent applies, and the lock timeout.
final class CrashAndLockTests: FreshTestbedCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        let first = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
    }

    func spawnApply(_ name: String) -> pid_t {
        Command.spawn(
            Paths.primctl, ["apply", "--state", state, "--yes", "--config", testbed.config],
            stdout: "\(testbed.directory)/\(name).out", stderr: "\(testbed.directory)/\(name).err")
    }

    /// Waits until another process holds the lock (`flock -n` fails), instead of sleeping for "long enough".
    func waitUntilLocked(_ path: String) throws {
        let deadline = Date().addingTimeInterval(10)
        while try Command.run("/usr/bin/flock", ["-n", path, "true"]).status == 0 {
            guard Date() < deadline else { return XCTFail("nobody took the lock \(path)") }
            usleep(5_000)
        }
    }

    func output(_ name: String) -> (String, String) {
        (
            (try? String(contentsOfFile: "\(testbed.directory)/\(name).out", encoding: .utf8)) ?? "",
            (try? String(contentsOfFile: "\(testbed.directory)/\(name).err", encoding: .utf8)) ?? ""
        )
    }

    /// The environment the unit's running process was started with.
    func runningEnvironment(_ unit: String) throws -> String {
        // MainPID is a pid of the manager's own PID namespace: read /proc there.
        let pid = try testbed.unitProperty(unit, "MainPID", interface: "org.freedesktop.systemd1.Service")
        let result = try Command.run(
            "/usr/bin/nsenter", ["-t", testbed.environment["SYSTEMD_PID1"]!, "-m", "-p", "cat", "/proc/\(pid)/environ"])
        return result.stdout.replacingOccurrences(of: "\0", with: "\n")
    }

    func leftovers() -> [String] {
        var found: [String] = []
        for directory in [testbed.unitDir, testbed.fragmentDir, testbed.envDir, testbed.dataDir] {
            let enumerator = FileManager.default.enumerator(atPath: directory)
            while let name = enumerator?.nextObject() as? String {
                if name.contains(".tmp-") || name.contains(".staging-") { found.append("\(directory)/\(name)") }
            }
        }
        return found
    }

    /// Every round kills the apply inside it (after its journal is written, while its health gate,
    /// which takes the stub's start of about 0.8 s, is still running), at a different point, and the
    /// next apply must resume that journal and converge.
    func testKillNineAtSeveralPointsThenApplyConverges() throws {
        let delays: [useconds_t] = [0, 5_000, 30_000, 60_000, 100_000, 200_000]
        let journal = "\(testbed.dataDir)/journal.jsonl"
        for (round, delay) in delays.enumerated() {
            let secret = "secret-\(round + 1)"
            XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: secret).status, 0)
            var files = ConvergedState.files(betaPort: round % 2 == 0 ? 3203 : 3202)
            if round % 2 == 0 {
                files["prims/gamma.yaml"] = "id: gamma\nstatus: testing\nport: 3205\n"
            } else {
                try? FileManager.default.removeItem(atPath: "\(state)/prims/gamma.yaml")
            }
            for (path, text) in files { try write(Array(text.utf8), to: "\(state)/\(path)") }

            let pid = spawnApply("killed-\(round)")
            let deadline = Date().addingTimeInterval(30)
            while !FileManager.default.fileExists(atPath: journal), Date() < deadline { usleep(1_000) }
            usleep(delay)
            kill(pid, SIGKILL)
            _ = Command.wait(pid)
            // The journal is removed when an apply finishes: still there, the kill landed inside it.
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: journal),
                "round \(round): the kill \(delay / 1000) ms after the journal landed inside the apply")

            let again = try testbed.primctl(["apply", "--state", state, "--yes"])
            XCTAssertEqual(
                again.status, 0,
                "round \(round) (kill \(delay / 1000) ms into the apply): \(again.stdout)\(again.stderr)")
            XCTAssertTrue(
                again.stdout.contains("Resuming interrupted apply"),
                "round \(round): the next apply resumed the journal: \(again.stdout)")
            let diff = try testbed.primctl(["diff", "--state", state])
            XCTAssertEqual(diff.status, 0, "round \(round): \(diff.stdout)")
            XCTAssertEqual(leftovers(), [], "round \(round): partial files")
            XCTAssertTrue(
                try runningEnvironment("prim-alpha.service").contains("API_KEY=\(secret)\n"),
                "round \(round): alpha must run with the new secret")
            let units = Set(
                try FileManager.default.contentsOfDirectory(atPath: testbed.unitDir).filter { $0.hasSuffix(".service") }
            )
            let expected: Set<String> =
                round % 2 == 0
                ? ["prim-alpha@.service", "prim-beta@.service", "prim-gamma@.service"]
                : ["prim-alpha@.service", "prim-beta@.service"]
            XCTAssertEqual(units, expected, "round \(round): no orphaned unit")
            if round % 2 == 1 {
                XCTAssertEqual(try testbed.versions("gamma").running.map(\.unit), [], "round \(round)")
            }
            XCTAssertEqual(testbed.viaCaddy("beta.prim.test").0, 200, "round \(round)")
        }
    }

    func testConcurrentAppliesNeverInterleave() throws {
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "concurrent").status, 0)
        let before = try FileManager.default.contentsOfDirectory(atPath: "\(testbed.dataDir)/generations").count
        // Hold the lock while both start, so they contend whatever the machine's load.
        let holder = Command.spawn(
            "/usr/bin/flock", ["-x", "\(testbed.dataDir)/lock", "sleep", "0.5"], stdout: "/dev/null",
            stderr: "/dev/null")
        try waitUntilLocked("\(testbed.dataDir)/lock")
        let first = spawnApply("a"), second = spawnApply("b")
        _ = Command.wait(holder)
        XCTAssertEqual(Command.wait(first), 0)
        XCTAssertEqual(Command.wait(second), 0)
        let (aOut, aErr) = output("a"), (bOut, bErr) = output("b")
        XCTAssertTrue(
            aErr.contains("Waiting for the apply lock") && bErr.contains("Waiting for the apply lock"),
            "\(aErr)\n\(bErr)")
        let outputs = [aOut, bOut]
        XCTAssertEqual(outputs.filter { $0.contains("Apply complete!") }.count, 1, outputs.joined(separator: "\n---\n"))
        XCTAssertEqual(
            outputs.filter { $0 == "No changes. Live state matches the desired state.\n" }.count, 1,
            "the second apply planned after the first finished")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: "\(testbed.dataDir)/generations").count, before + 1)
    }

    func testLockTimeoutNamesTheHolder() throws {
        let lock = "\(testbed.dataDir)/lock"
        try "pid 4242 (someone else's apply)\n".write(toFile: lock, atomically: false, encoding: .utf8)
        let holder = Command.spawn(
            "/usr/bin/flock", ["-x", lock, "sleep", "4"], stdout: "/dev/null", stderr: "/dev/null")
        defer { kill(holder, SIGTERM); _ = Command.wait(holder) }
        try waitUntilLocked(lock)
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "blocked").status, 0)
        let started = Date()
        let result = try testbed.primctl(["apply", "--state", state, "--yes", "--lock-timeout", "1"])
        XCTAssertEqual(result.status, 1)
        XCTAssertLessThan(Date().timeIntervalSince(started), 3.5)
        XCTAssertTrue(
            result.stderr.contains("Waiting for the apply lock, held by pid 4242 (someone else's apply)"), result.stderr
        )
        XCTAssertTrue(result.stderr.contains("gave up after 1 s (--lock-timeout)"), result.stderr)
    }
}
