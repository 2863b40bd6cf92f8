import Foundation
import PrimModel
import PrimSystem
import SystemdReconciler
import XCTest

struct TestbedError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Starts one testbed for a test class and stops it after the last test.
/// A testbed that cannot start fails every test of the class; it never skips.
final class SharedTestbed: @unchecked Sendable {
    private var result: Result<Testbed, Error>?

    func start() { result = Result { try Testbed.up() } }

    func stop() {
        if case .success(let testbed) = result { testbed.down() }
        result = nil
    }

    var testbed: Testbed {
        get throws {
            guard let result else { throw TestbedError(message: "the testbed was not started") }
            return try result.get()
        }
    }
}

/// A running testbed (scripts/testbed): systemd, Caddy and PowerDNS under one directory.
final class Testbed {
    let directory: String
    let environment: [String: String]

    private init(directory: String, environment: [String: String]) {
        self.directory = directory
        self.environment = environment
    }

    /// - Parameter parent: where to make the testbed's directory (default: the temporary directory).
    /// - Parameter https: Caddy serves https with certificates from the testbed's Pebble.
    /// - Parameter environment: for scripts/testbed (`PRIM_PEBBLE_NONCE_REJECT`).
    static func up(
        parent: String? = nil, https: Bool = false, environment given: [String: String] = [:]
    ) throws
        -> Testbed
    {
        let directory: String
        if let parent {
            directory = "\(parent)/testbed"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } else {
            directory = Paths.temporaryDirectory("prim-testbed")
        }
        let result = try Command.run(
            Paths.repo("scripts/testbed"), ["up", directory] + (https ? ["--https"] : []), environment: given)
        guard result.status == 0 else {
            throw TestbedError(
                message: "scripts/testbed up failed (\(result.status)): \(result.stderr)\(result.stdout)")
        }
        return try existing(directory)
    }

    /// A testbed another script started and stops (a fleet's host), read from its `env`.
    static func existing(_ directory: String) throws -> Testbed {
        Testbed(directory: directory, environment: try environment(of: directory))
    }

    /// The `export NAME=value` lines of `<directory>/env`, as scripts/testbed and
    /// scripts/fleet-testbed write them.
    static func environment(of directory: String) throws -> [String: String] {
        var environment: [String: String] = [:]
        for line in try String(contentsOfFile: "\(directory)/env", encoding: .utf8).split(separator: "\n")
        where line.hasPrefix("export ") {
            let pair = line.dropFirst(7).split(separator: "=", maxSplits: 1)
            if pair.count == 2 { environment[String(pair[0])] = String(pair[1]) }
        }
        return environment
    }

    func down() {
        _ = try? Command.run(Paths.repo("scripts/testbed"), ["down", directory])
        try? FileManager.default.removeItem(atPath: directory)
    }

    var config: String { environment["PRIM_CONFIG"]! }
    var bus: String { environment["DBUS_SYSTEM_BUS_ADDRESS"]! }
    var unitDir: String { "\(directory)/systemd/unit-dir" }
    var fragmentDir: String { "\(directory)/caddy/fragments" }
    var envDir: String { "\(directory)/prim/env" }

    func primctl(_ arguments: [String], input: String? = nil) throws -> CommandResult {
        try Primctl.run(arguments + ["--config", config], input: input)
    }

    /// Calls the manager over D-Bus with busctl (test set-up only; prim itself uses sd-bus).
    @discardableResult
    func busctl(_ arguments: [String]) throws -> CommandResult {
        try Command.run("/usr/bin/busctl", ["--address=\(bus)"] + arguments)
    }

    func managerCall(_ method: String, _ signature: String = "", _ arguments: [String] = []) throws -> CommandResult {
        try busctl(
            [
                "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
                method,
            ]
                + (signature.isEmpty ? [] : [signature]) + arguments)
    }

    /// The testbed's host config, as prim reads it.
    var hostConfig: HostConfig {
        get throws { HostConfig.parse(Array(try Data(contentsOf: URL(fileURLWithPath: config))), file: config).0 }
    }

    /// A prim's versions, as prim observes them (`SystemdObserver.Versions`).
    func versions(_ prim: String) throws -> SystemdObserver.Versions {
        try SystemdObserver(config: hostConfig, bus: SystemdBus(address: bus)).versions(of: prim)
    }

    /// The unit of a prim's serving version (`prim-<id>@<version>.service`): the version prim shows
    /// for it (`SystemdObserver.Versions.shown`).
    func unit(_ prim: String) throws -> String {
        try versions(prim).shown?.unit ?? "prim-\(prim)@none.service"
    }

    /// A unit property as busctl prints its value (`s "active"` → `active`, `u 12` → `12`). A prim's
    /// unit named as before versions (`prim-alpha.service`) stands for its serving version
    /// (`unit(_:)`) when the prim has a template; `legacyUnitProperty` asks for such a unit itself.
    func unitProperty(
        _ unit: String, _ name: String, interface: String = "org.freedesktop.systemd1.Unit"
    ) throws -> String {
        var unit = unit
        if unit.hasPrefix("prim-"), unit.hasSuffix(".service"), !unit.contains("@"),
            FileManager.default.fileExists(atPath: "\(unitDir)/\(unit.dropLast(8))@.service")
        {
            unit = try self.unit(String(unit.dropFirst(5).dropLast(8)))
        }
        return try legacyUnitProperty(unit, name, interface: interface)
    }

    func legacyUnitProperty(
        _ unit: String, _ name: String, interface: String = "org.freedesktop.systemd1.Unit"
    ) throws -> String {
        let path =
            "/org/freedesktop/systemd1/unit/"
            + unit.replacingOccurrences(of: "-", with: "_2d").replacingOccurrences(of: ".", with: "_2e")
            .replacingOccurrences(of: "@", with: "_40")
        let result = try busctl(["get-property", "org.freedesktop.systemd1", path, interface, name])
        let text = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return String(text.drop { $0 != " " }.dropFirst()).replacingOccurrences(of: "\"", with: "")
    }

    func activeState(_ unit: String) throws -> String { try unitProperty(unit, "ActiveState") }

    /// What identifies one run of a unit: InvocationID and MainPID.
    func invocation(_ unit: String) throws -> String {
        "\(try unitProperty(unit, "InvocationID")) pid \(try unitProperty(unit, "MainPID", interface: "org.freedesktop.systemd1.Service"))"
    }

    /// How many times Caddy's config was loaded through the admin API.
    func caddyLoads() -> Int {
        let log = (try? String(contentsOfFile: "\(directory)/logs/caddy.log", encoding: .utf8)) ?? ""
        return log.components(separatedBy: "\"uri\":\"/load\"").count - 1
    }

    /// prim's data dir (releases, inventory, generations), from the host config.
    var dataDir: String {
        let text = (try? String(contentsOfFile: config, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").first { $0.hasPrefix("data_dir: ") }.map { String($0.dropFirst(10)) } ?? ""
    }

    /// Every file prim manages, with its modification time.
    func liveFileTimes() -> [String: Date] {
        var times: [String: Date] = [:]
        for directory in [unitDir, fragmentDir, envDir, "\(dataDir)/releases"] {
            let enumerator = FileManager.default.enumerator(atPath: directory)
            while let name = enumerator?.nextObject() as? String {
                let attributes = try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(name)")
                times["\(directory)/\(name)"] = attributes?[.modificationDate] as? Date
            }
        }
        return times
    }

    /// GET through Caddy's http listener with a Host header.
    func viaCaddy(_ host: String, _ method: String = "GET", _ path: String = "/") -> (Int, String) {
        let response = try? HTTPClient.request(
            method, environment["CADDY_HTTP"]! + path, headers: ["Host": host], body: method == "GET" ? nil : [],
            timeout: 5)
        return (response?.status ?? 0, response?.text ?? "")
    }

    func waitUntil(_ unit: String, is state: String, timeout: TimeInterval = 10) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try activeState(unit) != state {
            if Date() > deadline { XCTFail("\(unit) did not become \(state); it is \(try activeState(unit))"); return }
            usleep(50_000)
        }
    }

    /// Loads the testbed's Caddyfile (with every fragment) through the admin API.
    func reloadCaddy() throws {
        let result = try Command.run(
            "/usr/bin/curl",
            [
                "-fsS", "--unix-socket", environment["CADDY_ADMIN_SOCKET"]!, "-H", "Host;",
                "-X", "POST", "http://localhost/load",
                "-H", "Content-Type: text/caddyfile", "--data-binary", "@\(directory)/caddy/Caddyfile",
            ])
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    func caddyConfig() throws -> String {
        try Command.run(
            "/usr/bin/curl",
            ["-fsS", "--unix-socket", environment["CADDY_ADMIN_SOCKET"]!, "-H", "Host;", "http://localhost/config/"]
        ).stdout
    }

    /// Every file under the directories prim manages, with its content.
    func liveFiles() -> [String: Data] {
        var files: [String: Data] = [:]
        for directory in [unitDir, fragmentDir, envDir] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                files["\(directory)/\(name)"] = FileManager.default.contents(atPath: "\(directory)/\(name)")
            }
        }
        return files
    }
}

/// A test class whose tests share one testbed, started before its first test and stopped after its last.
class SharedTestbedCase: XCTestCase {
    static let shared = SharedTestbed()

    override class func setUp() {
        super.setUp()
        shared.start()
    }

    override class func tearDown() {
        shared.stop()
        super.tearDown()
    }

    var testbed: Testbed {
        get throws { try Self.shared.testbed }
    }
}

/// A test class whose every test gets a fresh testbed and the two-prim state (not yet applied),
/// with its secret API_KEY set to "first-secret".
class FreshTestbedCase: XCTestCase {
    var testbed: Testbed!
    var state = ""

    override func setUpWithError() throws {
        testbed = try Testbed.up()
        state = try writeTree(ConvergedState.files())
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "first-secret").status, 0)
    }

    override func tearDown() {
        testbed?.down()
        try? FileManager.default.removeItem(atPath: state)
    }
}

extension Testbed {
    /// `primctl diff` of `state`: it exits 2 (changes pending) and says each of `texts`.
    @discardableResult
    func diffSays(
        _ state: String, _ texts: String..., file: StaticString = #filePath, line: UInt = #line
    ) throws
        -> CommandResult
    {
        let diff = try primctl(["diff", "--state", state])
        XCTAssertEqual(diff.status, 2, diff.stdout + diff.stderr, file: file, line: line)
        for text in texts { XCTAssertTrue(diff.stdout.contains(text), diff.stdout, file: file, line: line) }
        return diff
    }
}
