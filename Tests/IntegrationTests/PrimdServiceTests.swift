import Foundation
import PrimSystem
import XCTest

/// deploy/primd.service run by a real systemd manager: Type=notify readiness, hardening, journal, clean stop.
final class PrimdServiceTests: XCTestCase {
    func testPrimdServiceStartsReadyLogsToTheJournalAndStopsCleanly() throws {
        let service = try PrimdService.install(files: ConvergedState.files())
        defer { service.remove() }
        let (testbed, port) = (service.testbed, service.port)

        // Type=notify: the start job finishes only once primd said READY=1, after its first reconcile.
        let start = try testbed.managerCall("StartUnit", "ss", ["primd.service", "replace"])
        XCTAssertEqual(start.status, 0, start.stderr)
        try testbed.waitUntil("primd.service", is: "active", timeout: 30)
        let deadline = Date().addingTimeInterval(20)
        while testbed.viaCaddy("alpha.prim.test").0 != 200 && Date() < deadline { usleep(50_000) }
        XCTAssertTrue(testbed.viaCaddy("alpha.prim.test").1.contains("alpha.sh"))
        XCTAssertEqual((try? HTTPClient.request("GET", "http://127.0.0.1:\(port)/healthz"))?.text, "ok\n")
        let status = try testbed.unitProperty(
            "primd.service", "StatusText", interface: "org.freedesktop.systemd1.Service")
        XCTAssertTrue(status.hasPrefix("applied "), "STATUS= from sd_notify: \(status)")
        XCTAssertEqual(
            try testbed.unitProperty("primd.service", "LimitNOFILE", interface: "org.freedesktop.systemd1.Service"),
            "4096",
            "the descriptor limit fits the listener's cap")

        let journal = JournalReader.lastLines(
            unit: "primd.service", count: 50, directory: "\(testbed.directory)/systemd/run/log/journal")
        XCTAssertTrue(
            journal.contains { $0.contains("applied: 8 added, 1 changed") }, "structured journal entries: \(journal)")

        XCTAssertEqual(try testbed.managerCall("StopUnit", "ss", ["primd.service", "replace"]).status, 0)
        try testbed.waitUntil("primd.service", is: "inactive", timeout: 30)
        XCTAssertEqual(
            try testbed.unitProperty("primd.service", "Result", interface: "org.freedesktop.systemd1.Service"),
            "success")
    }

    /// A prim's health wait may be longer than primd's start timeout and watchdog: primd tells the
    /// manager it is alive while it waits, so neither kills it mid-apply (which would make the
    /// commit a poison commit) nor during a periodic re-check.
    func testAHealthWaitLongerThanTheWatchdogAndStartTimeoutDoesNotGetPrimdKilled() throws {
        let files = ConvergedState.files(
            adding: "gamma", status: "testing", port: 3203,
            """
            deploy:
              health: { path: /never-200, status: 200, timeout: 14 }

            """)
        let service = try PrimdService.install(
            files: files, settings: "  conformance_interval: 1\n",
            unitEdits: [
                ("WatchdogSec=120", "WatchdogSec=4\nTimeoutStartSec=6")
            ])
        defer { service.remove() }
        let (testbed, port) = (service.testbed, service.port)

        // The first reconcile waits 14 s on gamma's health path, before READY=1.
        let start = try testbed.managerCall("StartUnit", "ss", ["primd.service", "replace"])
        XCTAssertEqual(start.status, 0, start.stderr)
        try testbed.waitUntil("primd.service", is: "active", timeout: 40)
        let pid = try testbed.unitProperty("primd.service", "MainPID", interface: "org.freedesktop.systemd1.Service")
        func gamma() -> [String: Any]? {
            guard let text = (try? HTTPClient.request("GET", "http://127.0.0.1:\(port)/status"))?.text,
                let status = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                let prims = status["prims"] as? [[String: Any]]
            else { return nil }
            return prims.first { $0["prim"] as? String == "gamma" }
        }
        let first = gamma()
        XCTAssertEqual(
            first?["up"] as? Bool, false, "gamma's gate failed and is reported: \(String(describing: first))")
        XCTAssertTrue((first?["message"] as? String ?? "").contains("within 14 s"), String(describing: first))

        // Periodic re-checks each wait up to 10 s on gamma's health path, more than the 4 s watchdog.
        let deadline = Date().addingTimeInterval(60)
        var rechecks = Set<String>()
        while rechecks.count < 3 && Date() < deadline {
            if let checked = gamma()?["checked_at"] as? String { rechecks.insert(checked) }
            usleep(200_000)
        }
        XCTAssertGreaterThanOrEqual(rechecks.count, 3, "gamma was checked again: \(rechecks)")
        XCTAssertTrue((gamma()?["message"] as? String ?? "").contains("within 10 s"), String(describing: gamma()))
        XCTAssertEqual(
            try testbed.unitProperty("primd.service", "MainPID", interface: "org.freedesktop.systemd1.Service"), pid)
        XCTAssertEqual(
            try testbed.unitProperty("primd.service", "NRestarts", interface: "org.freedesktop.systemd1.Service"), "0")
        XCTAssertEqual(try testbed.activeState("primd.service"), "active")
        XCTAssertEqual(
            try testbed.unitProperty("primd.service", "Result", interface: "org.freedesktop.systemd1.Service"),
            "success")

        // An operator's apply holds the lock for longer than the watchdog: primd waits for it, alive.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = [
            "-c",
            "import fcntl, time; f = open('\(testbed.dataDir)/lock', 'a'); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(120)",
        ]
        try holder.run()
        let lockDeadline = Date().addingTimeInterval(5)
        while Date() < lockDeadline,
            (try? Command.run("/usr/bin/flock", ["-n", "\(testbed.dataDir)/lock", "true"]))?.status == 0
        { usleep(20_000) }
        let work = "\(service.parent)/work"
        try runGit(["clone", "-q", "\(service.parent)/state.git", work])
        try "id: beta\nname: beta.sh\ndescription: waits for the lock\nstatus: testing\nport: 3202\n".write(
            toFile: "\(work)/state/prims/beta.yaml", atomically: true, encoding: .utf8)
        try runGit(["-C", work, "commit", "-q", "-am", "beta waits for the lock"])
        try runGit(["-C", work, "push", "-q", "origin", "HEAD:main"])
        let waited = try runGit(["-C", work, "rev-parse", "HEAD"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        let journalDir = "\(testbed.directory)/systemd/run/log/journal"
        let waitingDeadline = Date().addingTimeInterval(40)
        while Date() < waitingDeadline,
            !JournalReader.lastLines(unit: "primd.service", count: 50, directory: journalDir).contains(where: {
                $0.contains("waiting for the apply lock")
            })
        {
            usleep(100_000)
        }
        XCTAssertTrue(
            JournalReader.lastLines(unit: "primd.service", count: 50, directory: journalDir).contains {
                $0.contains("waiting for the apply lock")
            })
        // The holder keeps the lock for 1.5 watchdog intervals after primd starts waiting, then lets go.
        usleep(6_000_000)
        holder.terminate()
        holder.waitUntilExit()
        let appliedDeadline = Date().addingTimeInterval(60)
        var applied: String?
        while applied != waited && Date() < appliedDeadline {
            let text = (try? HTTPClient.request("GET", "http://127.0.0.1:\(port)/status"))?.text ?? ""
            applied =
                ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any])?["last_applied_revision"]
                as? String
            usleep(200_000)
        }
        XCTAssertEqual(applied, waited, "the commit primd waited on is applied, not marked poison")
        XCTAssertEqual(
            try testbed.unitProperty("primd.service", "MainPID", interface: "org.freedesktop.systemd1.Service"), pid)
        XCTAssertEqual(
            try testbed.unitProperty("primd.service", "NRestarts", interface: "org.freedesktop.systemd1.Service"), "0")
        // A watchdog timeout is a SIGABRT, which Swift's backtracer may outlive for a while: the manager's verdict says it.
        XCTAssertEqual(
            try testbed.unitProperty("primd.service", "Result", interface: "org.freedesktop.systemd1.Service"),
            "success")
    }
}

/// deploy/primd.service installed into a testbed's manager, running primd on a bare repository of `files`.
struct PrimdService {
    let parent: String
    let testbed: Testbed
    let port: Int

    static func install(
        files: [String: String], settings: String = "", unitEdits: [(String, String)] = []
    ) throws -> PrimdService {
        // Outside /tmp: the unit has PrivateTmp=yes.
        let parent = "/var/lib/prim-testbed/service-test-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let testbed = try Testbed.up(parent: parent)
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "service-secret").status, 0)
        let repo = try StateRepository(files: files)
        let bare = "\(parent)/state.git"
        try repo.git(["clone", "-q", "--bare", repo.work, bare])

        let binaries = "\(parent)/bin"
        try FileManager.default.createDirectory(atPath: binaries, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: Paths.primctl.replacingOccurrences(of: "/primctl", with: "/primd"), toPath: "\(binaries)/primd")
        let port = try freePort()
        let config =
            try String(contentsOfFile: testbed.config, encoding: .utf8)
            + "controller:\n  repo: file://\(bare)\n  state_path: state\n  poll_interval: 2\n  listen: 127.0.0.1:\(port)\n"
            + settings
        try config.write(toFile: "\(parent)/primd.yaml", atomically: true, encoding: .utf8)

        let writable = [
            testbed.unitDir, testbed.fragmentDir, testbed.envDir, testbed.dataDir, "\(testbed.directory)/caddy",
        ]
        var unit = try String(contentsOfFile: Paths.repo("deploy/primd.service"), encoding: .utf8)
            .replacingOccurrences(
                of: "/usr/bin/primd --config /etc/prim/primd.yaml",
                with: "\(binaries)/primd --config \(parent)/primd.yaml"
            )
            .replacingOccurrences(
                of: "ReadWritePaths=/etc/systemd/system /etc/caddy /etc/prim /var/lib/prim",
                with: "ReadWritePaths=\(writable.joined(separator: " "))")
        XCTAssertTrue(
            unit.contains("Type=notify") && unit.contains("ProtectSystem=strict") && unit.contains("PrivateTmp=yes"))
        for (from, to) in unitEdits {
            XCTAssertTrue(unit.contains(from), "deploy/primd.service has \(from)")
            unit = unit.replacingOccurrences(of: from, with: to)
        }
        try unit.write(toFile: "\(testbed.directory)/systemd/units/primd.service", atomically: true, encoding: .utf8)
        XCTAssertEqual(try testbed.managerCall("Reload").status, 0)
        return PrimdService(parent: parent, testbed: testbed, port: port)
    }

    func remove() {
        _ = try? testbed.managerCall("StopUnit", "ss", ["primd.service", "replace"])
        try? testbed.waitUntil("primd.service", is: "inactive", timeout: 30)
        try? FileManager.default.removeItem(atPath: "\(testbed.directory)/systemd/units/primd.service")
        testbed.down()
        try? FileManager.default.removeItem(atPath: parent)
    }
}
