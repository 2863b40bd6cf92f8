import Foundation
import PrimSystem
import XCTest

/// Every prim runs under limits, its own or the host's: a prim that forks without end or fills its
/// TMPDIR is stopped at its limit alone, and the other prims keep answering.
final class LimitsTests: FreshTestbedCase {
    func get(_ port: Int, _ path: String) throws -> [String: Any] {
        let answer = try HTTPClient.request("GET", "http://127.0.0.1:\(port)\(path)", timeout: 30)
        return try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(answer.text.utf8)) as? [String: Any], answer.text)
    }

    func testAPrimThatForksWithoutEndOrFillsItsTmpIsStoppedAloneAtItsLimits() throws {
        let files = ConvergedState.files(
            adding: "hog", status: "testing", port: 3217,
            """
            deploy:
              command: /usr/bin/python3 packages/stub/server.py --name hog.sh --hog
              tasks_max: 40
              tmp_size: 8M

            """)
        state = try writeTree(files)
        let apply = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(apply.status, 0, apply.stdout + apply.stderr)
        let unit = try String(contentsOfFile: "\(testbed.unitDir)/prim-hog@.service", encoding: .utf8)
        for line in [
            "TasksMax=40", "LimitNPROC=40", "MemoryMax=512M", "CPUQuota=100%", "LimitNOFILE=4096",
            "TemporaryFileSystem=/run/prim-tmp:size=8M,mode=1777", "Environment=TMPDIR=/run/prim-tmp",
        ] {
            XCTAssertTrue(unit.contains("\n\(line)\n"), "\(line) in\n\(unit)")
        }
        let alpha = try String(contentsOfFile: "\(testbed.unitDir)/prim-alpha@.service", encoding: .utf8)
        XCTAssertTrue(
            alpha.contains("\nTasksMax=256\n")
                && alpha.contains("\nTemporaryFileSystem=/run/prim-tmp:size=256M,mode=1777"),
            "the host's limits: \(alpha)")

        _ = try get(3217, "/hog/start")
        let deadline = Date().addingTimeInterval(30)
        // At its limit the hog itself may have no thread left to answer with, until it frees a few.
        var hog = (try? get(3217, "/hog")) ?? [:]
        while (hog["refused"] as? Int ?? 0) == 0 && Date() < deadline {
            XCTAssertEqual(
                testbed.viaCaddy("alpha.prim.test").1, "{\"service\": \"alpha.sh\", \"status\": \"ok\"}",
                "alpha answers meanwhile")
            usleep(100_000)
            hog = (try? get(3217, "/hog")) ?? hog
        }
        let forked = hog["forked"] as? Int ?? 0
        XCTAssertGreaterThan(hog["refused"] as? Int ?? 0, 0, "a fork was refused: \(hog)")
        XCTAssertLessThan(forked, 40, "no more than its tasks_max: \(hog)")
        XCTAssertGreaterThan(forked, 10, "it did fork: \(hog)")
        let written = try get(3217, "/fill")["written"] as? Int ?? -1
        XCTAssertLessThanOrEqual(written, 8 << 20, "its TMPDIR holds 8 MiB at most")
        XCTAssertGreaterThan(written, 0)
        XCTAssertEqual(
            testbed.viaCaddy("alpha.prim.test").1, "{\"service\": \"alpha.sh\", \"status\": \"ok\"}",
            "alpha still answers")
        XCTAssertEqual(testbed.viaCaddy("beta.prim.test").1, "{\"service\": \"beta.sh\", \"status\": \"ok\"}")
        // What the manager applies: memory and CPU are set on every prim (enforced where the cgroup
        // v2 memory and cpu controllers are available to the manager).
        XCTAssertEqual(
            try testbed.unitProperty("prim-hog.service", "MemoryMax", interface: "org.freedesktop.systemd1.Service"),
            "\(512 << 20)")
    }
}
