import Foundation
import PrimSystem
import XCTest

/// deploy/prsh.service run by a real systemd manager: as user prsh, hardened, it serves and
/// writes its repository, and stops cleanly.
final class PrshServiceTests: XCTestCase {
    func testPrshServiceServesAsItsOwnUserAndStopsCleanly() throws {
        let parent = "/var/lib/prim-testbed/prsh-service-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let testbed = try Testbed.up(parent: parent)
        defer { testbed.down() }
        let repo = try StateRepository(files: ConvergedState.files())
        let home = "\(parent)/prsh"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try repo.git(["clone", "-q", "--bare", repo.work, "\(home)/state.git"])
        try PrshProcess.operatorToken.write(toFile: "\(parent)/token", atomically: true, encoding: .utf8)
        try "hook".write(toFile: "\(parent)/hook-secret", atomically: true, encoding: .utf8)
        XCTAssertEqual(try Command.run("/bin/chown", ["-R", "prsh:prsh", home]).status, 0)
        XCTAssertEqual(
            try Command.run("/bin/chown", ["root:prsh", "\(parent)/token", "\(parent)/hook-secret"]).status, 0)
        chmod("\(parent)/token", 0o640)
        chmod("\(parent)/hook-secret", 0o640)
        chmod(parent, 0o755)

        let binaries = "\(parent)/bin"
        try FileManager.default.createDirectory(atPath: binaries, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: Paths.primctl.replacingOccurrences(of: "/primctl", with: "/prsh"), toPath: "\(binaries)/prsh")
        let port = try freePort()
        let unit = try String(contentsOfFile: Paths.repo("deploy/prsh.service"), encoding: .utf8)
            .replacingOccurrences(of: "/usr/bin/prsh", with: "\(binaries)/prsh")
            .replacingOccurrences(of: "/var/lib/prsh", with: home)
            .replacingOccurrences(of: "127.0.0.2:7300", with: "127.0.0.2:\(port)")
            .replacingOccurrences(of: "/etc/prim/prsh-operator-token", with: "\(parent)/token")
            .replacingOccurrences(of: "/etc/prim/hook-secret", with: "\(parent)/hook-secret")
            .replacingOccurrences(of: "/etc/prim/prsh.env", with: "\(parent)/prsh.env")
        try "PRSH_PAYMENTS=--payments off\n".write(toFile: "\(parent)/prsh.env", atomically: true, encoding: .utf8)
        XCTAssertTrue(unit.contains("User=prsh") && unit.contains("ProtectSystem=strict"))
        try unit.write(toFile: "\(testbed.directory)/systemd/units/prsh.service", atomically: true, encoding: .utf8)
        XCTAssertEqual(try testbed.managerCall("Reload").status, 0)
        XCTAssertEqual(try testbed.managerCall("StartUnit", "ss", ["prsh.service", "replace"]).status, 0)
        try testbed.waitUntil("prsh.service", is: "active", timeout: 30)

        let url = "http://127.0.0.2:\(port)"
        let deadline = Date().addingTimeInterval(20)
        while (try? HTTPClient.request("GET", url + "/", timeout: 1))?.status != 200 && Date() < deadline {
            usleep(50_000)
        }
        let body = try JSONSerialization.data(withJSONObject: [
            "title": "Add gamma",
            "files": [["path": "state/prims/gamma.yaml", "content": Prims.yaml("gamma", port: 3206)]],
        ])
        let answer = try HTTPClient.request(
            "POST", url + "/v1/pr", headers: ["X-Wallet": Wallets.alice], body: Array(body))
        XCTAssertEqual(answer.status, 201, answer.text)
        XCTAssertTrue(answer.text.contains("\"state\" : \"merged\""), answer.text)
        XCTAssertNotNil(
            try GitRepository.open("\(home)/state.git").file("state/prims/gamma.yaml", at: "main"),
            "merged into the repository it owns")
        let owner =
            try FileManager.default.attributesOfItem(atPath: "\(home)/data/prs/1.json")[.ownerAccountName] as? String
        XCTAssertEqual(owner, "prsh", "records are written as prsh")

        XCTAssertEqual(try testbed.managerCall("StopUnit", "ss", ["prsh.service", "replace"]).status, 0)
        try testbed.waitUntil("prsh.service", is: "inactive", timeout: 30)
        XCTAssertEqual(
            try testbed.unitProperty("prsh.service", "Result", interface: "org.freedesktop.systemd1.Service"), "success"
        )
    }
}
