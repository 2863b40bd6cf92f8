import Foundation

/// A request for an immediate fetch (from the webhook), picked up by the reconcile loop.
final class Trigger: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = false

    func fire() {
        lock.lock(); pending = true; lock.unlock()
    }

    func take() -> Bool {
        lock.lock(); defer { lock.unlock() }
        let was = pending
        pending = false
        return was
    }
}
