import Foundation

/// The result of running a program to completion.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Command {
    /// Runs a program with arguments (no shell), feeding `input` to its stdin.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                    input: String? = nil, directory: String? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inp
        try process.run()
        if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
        try inp.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                             stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func shell(_ script: String, environment: [String: String] = [:]) throws -> CommandResult {
        try run("/bin/bash", ["-c", script], environment: environment)
    }
}

enum Paths {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

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
    static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> CommandResult {
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
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
