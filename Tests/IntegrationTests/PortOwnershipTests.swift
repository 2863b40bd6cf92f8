import Foundation
import PrimEngine
import PrimGates
import PrimSystem
import XCTest

/// A prim's port belongs to the prim: a plan blocks a prim whose port another process holds, and a
/// gate passes only when the process answering is in the gated unit's cgroup.
final class PortOwnershipTests: FreshTestbedCase {
    /// A process outside every unit, answering 200 on `port` like a healthy prim would.
    func squat(_ port: Int) throws -> pid_t {
        let log = Paths.temporaryDirectory("squatter")
        let pid = Command.spawn(
            "/usr/bin/python3",
            [
                "-c",
                """
                from http.server import BaseHTTPRequestHandler, HTTPServer
                class H(BaseHTTPRequestHandler):
                    def do_GET(self):
                        self.send_response(200); self.end_headers(); self.wfile.write(b'{"service": "squatter"}')
                    do_POST = do_GET
                    def log_message(self, *a): pass
                HTTPServer(("127.0.0.1", \(port)), H).serve_forever()
                """,
            ], stdout: "\(log)/out", stderr: "\(log)/err")
        addTeardownBlock {
            kill(pid, SIGKILL); _ = Command.wait(pid)
        }
        let deadline = Date().addingTimeInterval(10)
        while (try? Command.run("/usr/bin/curl", ["-fsS", "http://127.0.0.1:\(port)/"]).stdout)
            != "{\"service\": \"squatter\"}"
        {
            guard Date() < deadline else {
                throw TestbedError(
                    message:
                        "the squatter did not start: \((try? String(contentsOfFile: "\(log)/err", encoding: .utf8)) ?? "")"
                )
            }
            usleep(50_000)
        }
        return pid
    }

    func testAPortHeldByAnotherProcessBlocksThatPrimAndNamesTheHolder() throws {
        let pid = try squat(3201)
        let expected = "prim 'alpha' is not deployed: its port 3201 is held by pid \(pid) (python3"
        let apply = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(apply.status, 0, "a blocked prim is a warning: " + apply.stdout + apply.stderr)
        XCTAssertTrue(apply.stdout.contains(expected), apply.stdout)
        XCTAssertEqual(
            try testbed.unitProperty("prim-alpha.service", "LoadState"), "not-found", "alpha was not installed")
        XCTAssertEqual(try testbed.activeState("prim-beta.service"), "active", "the other prim went ahead")
        let diff = try testbed.primctl(["diff", "--state", state, "--format", "json"])
        XCTAssertTrue(diff.stdout.contains("its port 3201 is held by pid \(pid)"), diff.stdout)

        // Once the port is free, the prim goes ahead.
        kill(pid, SIGKILL)
        _ = Command.wait(pid)
        let second = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(second.status, 0, second.stdout + second.stderr)
        XCTAssertEqual(testbed.viaCaddy("alpha.prim.test").1, "{\"service\": \"alpha.sh\", \"status\": \"ok\"}")
    }

    func testAnotherPrimListeningOnAPrimsPortIsASquatterToo() throws {
        XCTAssertEqual(try testbed.primctl(["apply", "--state", state, "--yes"]).status, 0)
        // helper holds alpha's port on another address (systemd 252 here has no SocketBindDeny=) and serves its own.
        try write(
            Array(
                """
                id: helper
                status: testing
                port: 3260
                deploy:
                  command: /usr/bin/python3 -c "import socket, runpy, sys; s = socket.socket(); s.bind(('127.0.0.2', 3201)); s.listen(); sys.argv = ['server.py', '--name', 'helper.sh']; runpy.run_path('packages/stub/server.py', run_name='__main__')"

                """.utf8), to: "\(state)/prims/helper.yaml")
        let apply = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(apply.status, 0, apply.stdout + apply.stderr)
        let diff = try testbed.primctl(["diff", "--state", state])
        XCTAssertTrue(diff.stdout.contains("prim 'alpha' is not deployed: its port 3201 is held by pid"), diff.stdout)
        XCTAssertTrue(diff.stdout.contains("(python3, prim-helper@"), diff.stdout)
    }

    /// Caddy's route names a prim's hand-over port too (port + 10000): a process there blocks the
    /// prim as one on its port does, and the prim's live version keeps serving.
    func testAProcessOnAPrimsHandOverPortBlocksIt() throws {
        XCTAssertEqual(try testbed.primctl(["apply", "--state", state, "--yes"]).status, 0)
        let squatter = try squat(13201)
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "second-secret").status, 0)
        let diff = try testbed.primctl(["diff", "--state", state])
        XCTAssertTrue(
            diff.stdout.contains(
                "prim 'alpha' is not deployed: its hand-over port 13201 is held by pid \(squatter) (python3, in no unit)"
            ), diff.stdout)
        let serving = try testbed.unit("alpha")
        XCTAssertEqual(
            try testbed.primctl(["apply", "--state", state, "--yes"]).status, 0, "a blocked prim is a warning")
        XCTAssertEqual(try testbed.unit("alpha"), serving, "its version was not replaced")
        XCTAssertEqual(testbed.viaCaddy("alpha.prim.test").1, "{\"service\": \"alpha.sh\", \"status\": \"ok\"}")
    }

    func testAListenerIsFoundAmongHundredsOfSockets() throws {
        // /proc/net/tcp is then many pages long (Foundation reads such files only up to the first).
        let log = Paths.temporaryDirectory("many-sockets")
        let pid = Command.spawn(
            "/usr/bin/python3",
            [
                "-c",
                """
                import socket, time
                held = []
                for _ in range(300):
                    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); held.append(s)
                last = socket.socket(); last.bind(("127.0.0.1", 3297)); last.listen()
                open("\(log)/ready", "w").write("ready")
                time.sleep(60)
                """,
            ], stdout: "\(log)/out", stderr: "\(log)/err")
        defer { kill(pid, SIGKILL); _ = Command.wait(pid) }
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: "\(log)/ready") && Date() < deadline { usleep(20_000) }
        XCTAssertEqual(PortOwners.holders(of: [3297])[3297]?.map(\.pid), [Int(pid)])
    }

    func testAGateIsPassedOnlyByTheGatedUnitsOwnProcess() throws {
        let apply = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(apply.status, 0, apply.stdout + apply.stderr)
        let checker = HTTPHealthChecker(bus: try SystemdBus(address: testbed.environment["DBUS_SYSTEM_BUS_ADDRESS"]))
        func gate(_ unit: String, port: Int) -> HealthGate {
            HealthGate(prim: unit, unit: unit, port: port, path: "/", status: 200, timeout: 2, enforce: true)
        }
        let squatter = try squat(3299)
        let alpha = try testbed.unit("alpha"), beta = try testbed.unit("beta")
        let results = checker.check([gate(alpha, port: 3201), gate(beta, port: 3201), gate(beta, port: 3299)])
        XCTAssertEqual(results.map(\.passed), [true, false, false], results.map(\.message).joined(separator: "\n"))
        XCTAssertTrue(results[1].message.contains("port 3201 answered, but it is held by pid"), results[1].message)
        XCTAssertTrue(results[1].message.contains("\(alpha)), not by \(beta)"), results[1].message)
        XCTAssertTrue(
            results[2].message.contains("held by pid \(squatter) (python3, in no unit), not by \(beta)"),
            results[2].message)
    }
}
