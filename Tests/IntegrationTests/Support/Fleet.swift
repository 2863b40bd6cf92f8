import Foundation
import XCTest

/// A running fleet (scripts/fleet-testbed): hosts as network namespaces, each with its own
/// systemd manager and Caddy on its own address, one PowerDNS, and a client namespace.
final class Fleet {
    let directory: String
    let environment: [String: String]

    private init(directory: String, environment: [String: String]) {
        self.directory = directory
        self.environment = environment
    }

    static func up(hosts: Int = 2) throws -> Fleet {
        let directory = Paths.temporaryDirectory("prim-fleet")
        let result = try Command.run(Paths.repo("scripts/fleet-testbed"), ["up", directory, String(hosts)])
        guard result.status == 0 else {
            _ = try? Command.run(Paths.repo("scripts/fleet-testbed"), ["down", directory])
            throw TestbedError(
                message: "scripts/fleet-testbed up failed (\(result.status)): \(result.stderr)\(result.stdout)")
        }
        return Fleet(directory: directory, environment: try Testbed.environment(of: directory))
    }

    func down() {
        _ = try? Command.run(Paths.repo("scripts/fleet-testbed"), ["down", directory])
        try? FileManager.default.removeItem(atPath: directory)
    }

    func address(_ host: Int) -> String { environment["FLEET_H\(host)_ADDRESS"]! }
    /// Where each host's primd listens, on the host's address (`control:` in hosts/<name>.yaml).
    static let controlPort = 8470
    func config(_ host: Int) -> String { environment["FLEET_H\(host)_CONFIG"]! }
    func namespace(_ host: Int) -> String { environment["FLEET_H\(host)_NS"]! }

    /// primctl on host `host`: in its network namespace, with its host config.
    func primctl(_ host: Int, _ arguments: [String], input: String? = nil) throws -> CommandResult {
        try Command.run(
            "/usr/bin/nsenter", ["--net=/run/netns/\(namespace(host))", Paths.primctl] + arguments,
            environment: ["PRIM_CONFIG": config(host), "NO_COLOR": "1"], input: input)
    }

    /// `curl http://<name>/` from the client namespace, resolving through the fleet's PowerDNS:
    /// the body, and the address that answered.
    func ask(_ name: String) throws -> (body: String, address: String) {
        let result = try Command.run(
            "/usr/sbin/ip",
            [
                "netns", "exec", environment["FLEET_CLIENT_NS"]!, "curl", "-sS", "--max-time", "5", "-w",
                "\n%{remote_ip}", "http://\(name)/",
            ])
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (lines.dropLast().joined(separator: "\n"), String(lines.last ?? ""))
    }

    /// The quickstart split over the fleet, written to a folder.
    func quickstart() throws -> String { try writeTree(quickstartFiles()) }

    /// The quickstart split over the fleet: search and wallet on h1, store on h2; the zone's
    /// records with a TTL of `ttl` seconds.
    func quickstartFiles(ttl: Int = 300) throws -> [String: String] {
        var files: [String: String] = [:]
        let root = Paths.repo("examples/quickstart")
        for case let path as String in FileManager.default.enumerator(atPath: root)! {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: "\(root)/\(path)", isDirectory: &isDirectory),
                !isDirectory.boolValue
            else { continue }
            files[path] = try String(contentsOfFile: "\(root)/\(path)", encoding: .utf8)
        }
        let host = files.removeValue(forKey: "hosts/quickstart.yaml")!
        for index in 1...2 {
            files["hosts/h\(index).yaml"] =
                host.replacingOccurrences(of: "address: 127.0.0.1", with: "address: \(address(index))")
                + "control: http://\(address(index)):\(Self.controlPort)\n"
        }
        for (prim, host) in [("search", "h1"), ("wallet", "h1"), ("store", "h2")] {
            files["prims/\(prim).yaml"] = files["prims/\(prim).yaml"]!.replacingOccurrences(
                of: "\ndeploy:\n", with: "\ndeploy:\n  host: \(host)\n")
        }
        files["dns/prim.test.yaml"]! += "ttl: \(ttl)\n"
        return files
    }

    /// A host's testbed (its systemd manager, Caddy, host config), which the fleet stops.
    func testbed(_ host: Int) throws -> Testbed { try Testbed.existing("\(directory)/h\(host)") }

    /// primd on host `host`, watching `repo`, in the host's namespace and on its address.
    func primd(_ host: Int, repo: StateRepository, extra: String = "") throws -> PrimdProcess {
        try PrimdProcess(
            testbed: testbed(host), repo: "file://\(repo.bare)", extra: extra,
            fleetHost: (namespace(host), address(host)))
    }

    /// Asks `name` from the client namespace every 20 ms, resolving it each time (the resolver
    /// caches nothing), until the returned function is called; that returns every answer as
    /// `<status> <address>` (or curl's error).
    func probe(_ name: String) -> () -> [String] {
        let out = "\(directory)/probe-\(name).txt"
        let stop = "\(directory)/probe-\(name).stop"
        let script = """
            while [ ! -e \(stop) ]; do
              curl -sS --max-time 5 -o /dev/null -w '%{http_code} %{remote_ip}\\n' http://\(name)/ 2>&1
              sleep 0.02
            done
            """
        let pid = Command.spawn(
            "/usr/sbin/ip", ["netns", "exec", environment["FLEET_CLIENT_NS"]!, "bash", "-c", script], stdout: out,
            stderr: out + ".err")
        return {
            _ = FileManager.default.createFile(atPath: stop, contents: nil)
            _ = Command.wait(pid)
            return ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
    }
}
