#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// An exclusive lock on a file (flock), held until released or the process exits.
/// The holder writes who it is into the file so a waiter can name it.
public final class FileLock {
    let fd: Int32
    public let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { release() }

    /// Takes the lock, waiting up to `timeout` seconds; `onWait` is told once who holds it.
    public static func acquire(
        _ path: String, holder: String, timeout: Double?, onWait: (String) -> Void
    ) throws -> FileLock {
        try FileManager.default.createDirectory(atPath: PathName.directory(of: path), withIntermediateDirectories: true)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemError("cannot open lock '\(path)': \(String(cString: strerror(errno)))") }
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        var told = false
        var alive = Date()
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let current = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingWhitespace ?? "unknown"
            if !told { onWait(current.isEmpty ? "unknown" : current); told = true }
            // Waiting on another process (an operator's apply and its gates) is not being stuck.
            if Date().timeIntervalSince(alive) >= 2 {
                SystemdNotify.stillAlive(for: 2)
                alive = Date()
            }
            if let deadline, Date() > deadline {
                close(fd)
                throw SystemError(
                    "another apply holds the lock (\(current.isEmpty ? "unknown" : current)); gave up after \(Int(timeout!)) s (--lock-timeout)",
                    class: .transient)
            }
            usleep(100_000)
        }
        ftruncate(fd, 0)
        let text = holder + "\n"
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        return FileLock(fd: fd, path: path)
    }

    private var released = false

    public func release() {
        guard !released else { return }
        released = true
        ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
