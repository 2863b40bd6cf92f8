import Foundation
import XCTest

/// The whole agent loop on a testbed: a state repository, primd (signed commits required, told by
/// pr.sh's webhook) and pr.sh signing its merges; stopped with `stop()`.
final class AgentLoop {
    let repo: StateRepository
    let primd: PrimdProcess
    let prsh: PrshProcess

    init(testbed: Testbed, files: [String: String], prsh extra: [String] = []) throws {
        let keys = try Self.signingKeys(testbed)
        repo = try StateRepository(files: files, signingKey: "\(keys)/prsh")
        // primd polls only every 10 minutes: pr.sh's webhook is what makes it fetch.
        let primd = try PrimdProcess(
            testbed: testbed, repo: "file://\(repo.bare)", extra: "  allowed_signers: \(keys)/allowed_signers\n",
            secret: "hook-secret", poll: 600)
        primd.waitFor("the first revision to be applied") { primd.status()?["last_applied_revision"] as? String != nil }
        self.primd = primd
        prsh = try PrshProcess(
            repo: repo,
            extra: [
                "--signing-key", "\(keys)/prsh", "--notify-url", primd.url + "/hooks/git",
                "--notify-secret-file", "\(testbed.directory)/hook-secret",
                "--primd-url", primd.url, "--follow-interval", "1",
            ] + extra)
    }

    func stop() {
        _ = prsh.stop()
        _ = primd.stop()
    }

    /// pr.sh's signing key (`<dir>/prsh`) and an allowed-signers file naming it (`<dir>/allowed_signers`),
    /// in the testbed's `keys` folder; returns that folder.
    static func signingKeys(_ testbed: Testbed) throws -> String {
        let keys = "\(testbed.directory)/keys"
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        XCTAssertEqual(
            try Command.run(
                "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "prsh", "-f", "\(keys)/prsh"]
            ).status, 0)
        let publicKey = try String(contentsOfFile: "\(keys)/prsh.pub", encoding: .utf8).split(separator: " ")
        try "prsh@prim.test \(publicKey[0]) \(publicKey[1])\n".write(
            toFile: "\(keys)/allowed_signers", atomically: true, encoding: .utf8)
        return keys
    }
}
