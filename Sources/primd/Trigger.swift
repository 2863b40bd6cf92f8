import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// A request for an immediate fetch (webhook), a forced re-attempt (`primctl reconcile --force`)
/// or a rewritten branch applied once (`--allow-rewrite`), picked up by the reconcile loop.
final class Trigger: @unchecked Sendable {
    private let lock = ThreadLock()
    private var pending = false
    private var forced = false
    private var rewrite = false

    func fire(force: Bool = false, allowRewrite: Bool = false) {
        lock.lock(); pending = true; forced = forced || force; rewrite = rewrite || allowRewrite; lock.unlock()
    }

    /// Whether a fetch was asked for, whether it must re-attempt an already attempted commit, and
    /// whether a head that does not descend from the running revision may be applied this once.
    func take() -> (fired: Bool, force: Bool, allowRewrite: Bool) {
        lock.lock(); defer { lock.unlock() }
        let result = (pending, forced, rewrite)
        pending = false
        forced = false
        rewrite = false
        return result
    }
}
