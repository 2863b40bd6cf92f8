import Foundation
import PrimSystem
import XCTest

/// deploy/primd.service run by a real systemd manager: Type=notify readiness, hardening, journal, clean stop.
final class PrimdServiceTests: XCTestCase {
    func testPrimdServiceStartsReadyLogsToTheJournalAndStopsCleanly() throws {
        // Outside /tmp: the unit has PrivateTmp=yes.
        let parent = "/var/lib/prim-testbed/service-test-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let testbed = try Testbed.up(parent: parent)
        defer { testbed.down() }
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "service-secret").status, 0)
        let repo = try StateRepository(files: ConvergedState.files())
        let bare = "\(parent)/state.git"
        try repo.git(["clone", "-q", "--bare", repo.work, bare])

        let binaries = "\(parent)/bin"
        try FileManager.default.createDirectory(atPath: binaries, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Paths.primctl.replacingOccurrences(of: "/primctl", with: "/primd"), toPath: "\(binaries)/primd")
        let port = try freePort()
        let config = try String(contentsOfFile: testbed.config, encoding: .utf8)
            + "controller:\n  repo: file://\(bare)\n  state_path: state\n  poll_interval: 2\n  listen: 127.0.0.1:\(port)\n"
        try config.write(toFile: "\(parent)/primd.yaml", atomically: true, encoding: .utf8)

        let writable = [testbed.unitDir, testbed.fragmentDir, testbed.envDir, testbed.dataDir, "\(testbed.directory)/caddy"]
        let unit = try String(contentsOfFile: Paths.repo("deploy/primd.service"), encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/primd --config /etc/prim/primd.yaml", with: "\(binaries)/primd --config \(parent)/primd.yaml")
            .replacingOccurrences(of: "ReadWritePaths=/etc/systemd/system /etc/caddy /etc/prim /var/lib/prim", with: "ReadWritePaths=\(writable.joined(separator: " "))")
        XCTAssertTrue(unit.contains("Type=notify") && unit.contains("ProtectSystem=strict") && unit.contains("PrivateTmp=yes"))
        try unit.write(toFile: "\(testbed.directory)/systemd/units/primd.service", atomically: true, encoding: .utf8)
        XCTAssertEqual(try testbed.managerCall("Reload").status, 0)

        // Type=notify: the start job finishes only once primd said READY=1, after its first reconcile.
        let start = try testbed.managerCall("StartUnit", "ss", ["primd.service", "replace"])
        XCTAssertEqual(start.status, 0, start.stderr)
        try testbed.waitUntil("primd.service", is: "active", timeout: 30)
        let deadline = Date().addingTimeInterval(20)
        while testbed.viaCaddy("alpha.prim.test").0 != 200 && Date() < deadline { usleep(50_000) }
        XCTAssertTrue(testbed.viaCaddy("alpha.prim.test").1.contains("alpha.sh"))
        XCTAssertEqual((try? HTTPClient.request("GET", "http://127.0.0.1:\(port)/healthz"))?.text, "ok\n")
        let status = try testbed.unitProperty("primd.service", "StatusText", interface: "org.freedesktop.systemd1.Service")
        XCTAssertTrue(status.hasPrefix("applied "), "STATUS= from sd_notify: \(status)")

        let journal = JournalReader.lastLines(unit: "primd.service", count: 50, directory: "\(testbed.directory)/systemd/run/log/journal")
        XCTAssertTrue(journal.contains { $0.contains("applied: 8 added, 1 changed") }, "structured journal entries: \(journal)")

        XCTAssertEqual(try testbed.managerCall("StopUnit", "ss", ["primd.service", "replace"]).status, 0)
        try testbed.waitUntil("primd.service", is: "inactive", timeout: 30)
        XCTAssertEqual(try testbed.unitProperty("primd.service", "Result", interface: "org.freedesktop.systemd1.Service"), "success")
        try? FileManager.default.removeItem(atPath: "\(testbed.directory)/systemd/units/primd.service")
    }
}
