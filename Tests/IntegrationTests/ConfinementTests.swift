import Foundation
import XCTest

/// What a prim can reach from inside its own process: a probe prim reports, over HTTP, what each
/// attempt to read or connect gave it, and the test checks every answer.
final class ConfinementTests: FreshTestbedCase {
    static let probe = #"""
        import json, os, socket
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        def attempt(action):
            try:
                return "allowed: " + str(action())[:200]
            except Exception as error:
                return "denied: " + type(error).__name__

        def unix(path):
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(2)
            s.connect(path)
            s.sendall(b"GET /config/ HTTP/1.0\r\nHost:\r\n\r\n")
            return s.recv(200)

        def tcp(address):
            host, port = address.rsplit(":", 1)
            socket.create_connection((host, int(port)), timeout=2).close()
            return "connected"

        def probes():
            return {

                "uid": os.getuid(),
                "own_secret": os.environ.get("PROBE_SECRET"),
                "other_env_file": attempt(lambda: open(os.environ["OTHER_ENV_FILE"]).read()),
                "own_env_file": attempt(lambda: open(os.environ["OWN_ENV_FILE"]).read()),
                "releases": attempt(lambda: sorted(os.listdir(os.environ["RELEASES"]))),
                "secret_store": attempt(lambda: os.listdir(os.environ["SECRET_STORE"])),
                "caddy_admin": attempt(lambda: unix(os.environ["ADMIN_SOCKET"])),
                "control_api": attempt(lambda: tcp(os.environ["CONTROL_API"])),
                "public_caddy": attempt(lambda: tcp(os.environ["PUBLIC_CADDY"])),
            }

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps(probes() if self.path == "/probe" else {"service": "probe", "status": "ok"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_):
                pass

        ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """#

    func hostAddress(_ url: String) -> String { String(url.split(separator: "/").last ?? "") }

    func testAPrimReachesItsOwnSecretAndNothingOfTheOthersOrTheControlPlane() throws {
        let env = testbed.envDir
        var files = ConvergedState.files()
        let hostEnv = [
            "OTHER_ENV_FILE": "\(env)/alpha.env", "OWN_ENV_FILE": "\(env)/probe.env",
            "RELEASES": "\(testbed.dataDir)/releases", "SECRET_STORE": "\(testbed.dataDir)/secrets",
            "ADMIN_SOCKET": testbed.environment["CADDY_ADMIN_SOCKET"]!,
            "CONTROL_API": hostAddress(testbed.environment["PDNS_API"]!),
            "PUBLIC_CADDY": hostAddress(testbed.environment["CADDY_HTTP"]!),
        ]
        files["hosts/t.yaml"]! +=
            "env:\n" + hostEnv.sorted { $0.key < $1.key }.map { "  \($0.key): \"\($0.value)\"\n" }.joined()
        files["packages/probe/server.py"] = Self.probe
        files["prims/probe.yaml"] = """
            id: probe
            status: testing
            port: 3250
            env: [PROBE_SECRET, \(hostEnv.keys.sorted().joined(separator: ", "))]
            deploy:
              command: /usr/bin/python3 packages/probe/server.py
              extra_caddy:
                - |
                  http://admin.prim.test {
                    reverse_proxy localhost:2019
                  }

            """
        files["secrets/PROBE_SECRET.yaml"] = "prims: [probe]\nexternal: true\n"
        // A prim that names alpha's secret without being declared for it.
        files["prims/thief.yaml"] = "id: thief\nstatus: testing\nport: 3251\nenv: [API_KEY]\n"
        state = try writeTree(files)
        XCTAssertEqual(try testbed.primctl(["secret", "set", "PROBE_SECRET"], input: "probe-own-value").status, 0)

        let diff = try testbed.primctl(["diff", "--state", state])
        XCTAssertTrue(
            diff.stdout.contains("Warning: prim 'thief' is not deployed: secret API_KEY is not declared for this prim"),
            diff.stdout)
        let apply = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(apply.status, 0, "applied, with the thief blocked (a warning): " + apply.stdout + apply.stderr)
        XCTAssertTrue(apply.stdout.contains("prim probe: health gate passed"), apply.stdout)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: "\(env)/thief.env"), "the thief has no env file, so no value")

        let answer = try Command.run("/usr/bin/curl", ["-fsS", "http://127.0.0.1:3250/probe"])
        XCTAssertEqual(answer.status, 0, answer.stderr)
        let probes = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(answer.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(
            probes["own_secret"] as? String, "probe-own-value", "its own secret reaches it through its environment")
        XCTAssertEqual(
            probes["other_env_file"] as? String, "denied: FileNotFoundError", "env files are hidden from prims")
        XCTAssertEqual(
            probes["own_env_file"] as? String, "denied: FileNotFoundError",
            "its own too: only the manager reads env files")
        XCTAssertEqual(
            probes["releases"] as? String, "denied: FileNotFoundError",
            "no release is visible but its own, at <data dir>/release")
        XCTAssertEqual(probes["secret_store"] as? String, "denied: FileNotFoundError")
        XCTAssertEqual(
            probes["caddy_admin"] as? String, "denied: PermissionError",
            "Caddy's admin socket is in a directory prims cannot enter")
        XCTAssertEqual(
            probes["control_api"] as? String, "denied: TimeoutError", "the control address is denied to prims")
        XCTAssertEqual(probes["public_caddy"] as? String, "allowed: connected", "other loopback services still answer")

        // An extra block that proxies to Caddy's usual admin port reaches nothing: the admin API is a socket.
        let (adminStatus, adminBody) = testbed.viaCaddy("admin.prim.test", "GET", "/config/")
        XCTAssertEqual(adminStatus, 502, adminBody)
        XCTAssertFalse(adminBody.contains("apps"), adminBody)

        // Each prim is its own user: the probe's uid is neither root nor alpha's.
        let alphaPID = try testbed.unitProperty(
            "prim-alpha.service", "MainPID", interface: "org.freedesktop.systemd1.Service")
        let status = try Command.run(
            "/usr/bin/nsenter",
            ["-t", testbed.environment["SYSTEMD_PID1"]!, "-m", "-p", "cat", "/proc/\(alphaPID)/status"]
        ).stdout
        let alphaUID = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }?.split(separator: "\t").dropFirst()
            .first.map(String.init)
        let probeUID = probes["uid"] as? Int
        XCTAssertNotNil(alphaUID)
        XCTAssertNotEqual(probeUID, 0)
        XCTAssertNotEqual(probeUID.map(String.init), alphaUID)
        XCTAssertEqual(
            try testbed.unitProperty("prim-probe.service", "User", interface: "org.freedesktop.systemd1.Service"),
            "prim-probe")
    }
}
