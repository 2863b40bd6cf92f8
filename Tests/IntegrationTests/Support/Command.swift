import Foundation
import XCTest

/// The result of running a program to completion.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Command {
    /// Runs a program with arguments (no shell), feeding `input` to its stdin.
    /// Output goes through temporary files and the child is reaped with waitpid,
    /// so daemons the program leaves behind cannot hold the call open.
    @discardableResult
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        input: String? = nil
    ) throws -> CommandResult {
        let scratch = Paths.temporaryDirectory("prim-cmd")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let inPath = "\(scratch)/in", outPath = "\(scratch)/out", errPath = "\(scratch)/err"
        try Data((input ?? "").utf8).write(to: URL(fileURLWithPath: inPath))
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard code == 0 else { throw NSError(domain: "spawn \(executable)", code: Int(code)) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return CommandResult(status: exit, stdout: out, stderr: err)
    }

    /// Starts a program in the background with output to files; returns its pid.
    static func spawn(_ executable: String, _ arguments: [String], stdout: String, stderr: String) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        posix_spawn(&pid, executable, &actions, nil, argv, envp)
        return pid
    }

    /// Waits for a spawned program; returns its exit status (128+signal if killed).
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    static func shell(_ script: String, environment: [String: String] = [:]) throws -> CommandResult {
        try run("/bin/bash", ["-c", script], environment: environment)
    }
}

enum Paths {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .path

    static func repo(_ relative: String) -> String { "\(repositoryRoot)/\(relative)" }

    /// The primctl built beside this test bundle.
    static let primctl: String = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path,
            Bundle.main.bundleURL.path,
            Bundle.main.bundleURL.deletingLastPathComponent().path,
        ]
        for directory in candidates where FileManager.default.isExecutableFile(atPath: "\(directory)/primctl") {
            return "\(directory)/primctl"
        }
        return "\(repositoryRoot)/.build/debug/primctl"
    }()

    static func temporaryDirectory(_ prefix: String) -> String {
        let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

enum Primctl {
    static func run(
        _ arguments: [String], environment: [String: String] = [:], input: String? = nil
    ) throws -> CommandResult {
        try Command.run(Paths.primctl, arguments, environment: environment, input: input)
    }
}

/// Writes a literal state tree into a new directory.
func writeTree(_ files: [String: String], bytes: [String: [UInt8]] = [:]) throws -> String {
    let root = Paths.temporaryDirectory("prim-state")
    for (path, text) in files { try write(Array(text.utf8), to: "\(root)/\(path)") }
    for (path, data) in bytes { try write(data, to: "\(root)/\(path)") }
    return root
}

func write(_ bytes: [UInt8], to path: String) throws {
    try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Runs git (test set-up only) with a fixed identity; fails the test when git fails.
@discardableResult
func runGit(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
    let result = try Command.run(
        "/usr/bin/git", arguments,
        environment: [
            "GIT_AUTHOR_NAME": "agent", "GIT_AUTHOR_EMAIL": "agent@prim.test",
            "GIT_COMMITTER_NAME": "agent", "GIT_COMMITTER_EMAIL": "agent@prim.test",
        ])
    XCTAssertEqual(result.status, 0, "git \(arguments): \(result.stderr)", file: file, line: line)
    return result
}

/// A loopback TCP port nothing listens on right now.
func freePort() throws -> Int {
    let result = try Command.run(
        "/usr/bin/python3", ["-c", "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])"])
    return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))!
}
