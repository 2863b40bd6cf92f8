import Foundation
import XCTest

/// `git daemon` serving a test repository over git's own protocol (as a forge does), on a free
/// port; ready once `git ls-remote` answers through it, not after a sleep.
final class GitDaemon {
    let pid: pid_t
    /// The repository's `git://` URL.
    let url: String

    init(serving bare: String) throws {
        let port = try freePort()
        let base = (bare as NSString).deletingLastPathComponent
        pid = Command.spawn(
            "/usr/bin/git",
            [
                "daemon", "--export-all", "--reuseaddr", "--listen=127.0.0.1", "--port=\(port)",
                "--base-path=\(base)", base,
            ], stdout: "/dev/null", stderr: "/dev/null")
        url = "git://127.0.0.1:\(port)/\((bare as NSString).lastPathComponent)"
        let listening = Date().addingTimeInterval(10)
        while try Command.run("/usr/bin/git", ["ls-remote", url]).status != 0 {
            guard Date() < listening else {
                stop()
                throw NSError(domain: "git daemon did not answer on port \(port) within 10 s", code: 1)
            }
            usleep(20_000)
        }
    }

    func stop() {
        kill(pid, SIGTERM)
        _ = Command.wait(pid)
    }
}
