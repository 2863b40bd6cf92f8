import CLibSystemd

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// sd_notify: tells the service manager about readiness, status and liveness (a no-op outside systemd).
public enum SystemdNotify {
    public static func send(_ state: String) {
        if state.split(separator: "\n").contains("READY=1") { readiness.set() }
        _ = sd_notify(0, state)
    }

    /// Whether this process has said READY=1.
    static let readiness = Flag()

    /// Half the watchdog interval systemd asked this process for, if it asked (`sd_watchdog_enabled`:
    /// `WATCHDOG_USEC`, and `WATCHDOG_PID` naming this process when set).
    public static var watchdogInterval: Double? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return Double(usec) / 2_000_000
    }

    /// Feeds the watchdog, if this process has one, while it waits `seconds` more on something
    /// bounded that can outlast it (a prim's health wait may be 600 s; primd's watchdog is 120 s).
    /// Before READY=1 it extends the start timeout instead: a first apply may wait as long.
    public static func stillAlive(for seconds: Double) {
        if !readiness.isSet {
            send("EXTEND_TIMEOUT_USEC=\(UInt64(seconds * 2_000_000))")
        } else if watchdogInterval != nil {
            send("WATCHDOG=1")
        }
    }
}

/// A flag set once, read from any thread.
final class Flag: @unchecked Sendable {
    private var value = false
    private let lock = ThreadLock()

    func set() { lock.lock(); value = true; lock.unlock() }

    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
