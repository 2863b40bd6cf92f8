import PrimController
import PrimSystem
import ServiceLifecycle

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Fetches on every poll interval or webhook, reconciles new commits, checks drift and the running
/// prims' conformance on their intervals.
/// SIGTERM lets the running apply finish, then the loop ends.
struct ReconcileLoop: Service {
    let controller: Controller
    let trigger: Trigger

    func run() async throws {
        let settings = controller.settings
        let configured = settings.repo != nil
        if configured { await controller.reconcile() }
        HeapTrim.now()
        SystemdNotify.send("READY=1\nSTATUS=\(statusLine())")
        var nextPoll = Date().addingTimeInterval(settings.pollSeconds)
        var nextDrift = Date().addingTimeInterval(settings.driftSeconds)
        var nextConformance = Date().addingTimeInterval(settings.conformanceSeconds)
        var nextWatchdog = Date()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let interval = SystemdNotify.watchdogInterval, Date() >= nextWatchdog {
                SystemdNotify.send("WATCHDOG=1")
                nextWatchdog = Date().addingTimeInterval(interval)
            }
            guard configured else {
                try? await Task.sleep(nanoseconds: 200_000_000)
                continue
            }
            let retryDue = controller.retryDelay.map { $0 <= 0 } ?? false
            let asked = trigger.take()
            if asked.fired || Date() >= nextPoll || retryDue {
                await controller.reconcile(force: asked.force, allowRewrite: asked.allowRewrite)
                nextPoll = Date().addingTimeInterval(settings.pollSeconds)
                SystemdNotify.send("STATUS=\(statusLine())")
            } else if Date() >= nextDrift {
                await controller.checkDrift()
                nextDrift = Date().addingTimeInterval(settings.driftSeconds)
            } else if Date() >= nextConformance {
                await controller.checkConformance()
                nextConformance = Date().addingTimeInterval(settings.conformanceSeconds)
            } else {
                try? await Task.sleep(nanoseconds: 50_000_000)
                continue
            }
            HeapTrim.now()
        }
        SystemdNotify.send("STOPPING=1")
    }

    func statusLine() -> String {
        let status = controller.currentStatus
        let applied = status.lastAppliedRevision.map { String($0.prefix(12)) } ?? "none"
        return "applied \(applied); \(status.condition(.ready)?.status == true ? "ready" : "not ready")"
    }
}
