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
        _ = sd_notify(0, state)
    }

    /// Half the watchdog interval systemd asked for, if it asked.
    public static var watchdogInterval: Double? {
        guard let text = ProcessInfo.processInfo.environment["WATCHDOG_USEC"], let usec = Double(text), usec > 0 else { return nil }
        return usec / 2_000_000
    }
}
