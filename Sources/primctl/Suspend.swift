import ArgumentParser
import Foundation
import PrimEngine
import PrimPlan
import PrimStatus
import PrimSystem

struct SuspendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suspend",
        abstract: "Stop primd applying commits and repairing drift on this host until `primctl resume`.",
        discussion: """
            primd goes on fetching, checking its prims' health and reporting, and says it is suspended in \
            its status. An apply already running finishes first (suspend waits for the apply lock). Meanwhile \
            the operator's own applies, rollbacks and `systemctl stop`s stay as they are.
            """)

    @OptionGroup var options: HostOptions

    @Option(help: "Why, shown in primd's status.")
    var reason: String?

    func run() throws {
        let (output, config) = try options.hostConfig()
        do {
            let lock = try FileLock.acquire(
                config.paths.lock, holder: "pid \(getpid()) (primctl suspend)", timeout: 600
            ) { _ in }
            defer { lock.release() }
            try Suspension(reason: reason).save(dataDir: config.dataDir)
        } catch {
            throw output.fail("suspend-failed", "\(error)")
        }
        struct Suspended: Encodable { var suspended = true }
        output.show(
            Said(
                Suspended(),
                "primd is suspended on this host: it applies nothing and repairs nothing until `primctl resume`.\n"))
    }
}

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Hand the host back to primd: it applies its branch and repairs drift again from its next check.")

    @OptionGroup var options: HostOptions

    func run() throws {
        let (output, config) = try options.hostConfig()
        let was: Bool
        do {
            was = try Suspension.clear(dataDir: config.dataDir)
        } catch {
            throw output.fail("resume-failed", "\(error)")
        }
        struct Resumed: Encodable {
            var suspended = false
            var wasSuspended: Bool
        }
        output.show(
            Said(
                Resumed(wasSuspended: was),
                was
                    ? "primd is resumed: it converges the host to its branch from its next check (primctl reconcile: now).\n"
                    : "primd was not suspended.\n"))
    }
}
