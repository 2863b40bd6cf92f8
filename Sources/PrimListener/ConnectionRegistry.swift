import NIOCore
import Synchronization

/// The listener's connections, shared by every connection's guard: which are idle or still
/// receiving their request, and since when, so that a new connection past the cap evicts the
/// longest-waiting one. Only a connection whose request has fully arrived (being answered) is
/// never evicted: a client trickling its body holds no slot a new client cannot take.
final class ConnectionRegistry: Sendable {
    struct Entry {
        var channel: any Channel
        /// When it last began waiting for, or receiving, a request (a sequence number, not a clock):
        /// the smallest waited longest; nil while its request is being answered.
        var waitingSince: UInt64?
    }

    struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var sequence: UInt64 = 0
    }

    let limit: Int
    let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// Registers a new connection as waiting; returns the connection to close to stay within the
    /// cap (the longest-waiting one, or the new one when none waits), or nil.
    func admit(_ channel: any Channel) -> (any Channel)? {
        state.withLock { state in
            var evicted: (any Channel)?
            if state.entries.count >= limit {
                let oldest = state.entries.filter { $0.value.waitingSince != nil }.min {
                    $0.value.waitingSince! < $1.value.waitingSince!
                }
                guard let oldest else { return channel }
                state.entries[oldest.key] = nil
                evicted = oldest.value.channel
            }
            state.sequence += 1
            state.entries[ObjectIdentifier(channel)] = Entry(channel: channel, waitingSince: state.sequence)
            return evicted
        }
    }

    /// The connection's request has fully arrived and is being answered: not to be evicted.
    func busy(_ channel: any Channel) {
        state.withLock { $0.entries[ObjectIdentifier(channel)]?.waitingSince = nil }
    }

    /// The connection answered and waits for its next request.
    func waiting(_ channel: any Channel) {
        state.withLock { state in
            state.sequence += 1
            state.entries[ObjectIdentifier(channel)]?.waitingSince = state.sequence
        }
    }

    func remove(_ channel: any Channel) {
        _ = state.withLock { $0.entries.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
