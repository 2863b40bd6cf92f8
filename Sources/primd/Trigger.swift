#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif
import PrimSystem

/// A request for an immediate fetch (webhook) or a forced re-attempt (`primctl reconcile --force`),
/// picked up by the reconcile loop.
final class Trigger: @unchecked Sendable {
    private let lock = ThreadLock()
    private var pending = false
    private var forced = false

    func fire(force: Bool = false) {
        lock.lock(); pending = true; forced = forced || force; lock.unlock()
    }

    /// Whether a fetch was asked for, and whether it must re-attempt an already attempted commit.
    func take() -> (fired: Bool, force: Bool) {
        lock.lock(); defer { lock.unlock() }
        let result = (pending, forced)
        pending = false
        forced = false
        return result
    }
}
