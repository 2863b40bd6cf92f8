/// Loaded states of recent commits (main moves one merge at a time, so a few suffice), and the
/// last checks' head state by main commit and manifest: a merge of exactly that is main's next state.
struct StateCache {
    static let capacity = 4
    private var states: [String: LoadedState] = [:]
    private var order: [String] = []
    /// The head state the last checks built, with the main commit and manifest hash it came from.
    var lastHead: (base: String, hash: String, state: LoadedState)?

    subscript(commit: String) -> LoadedState? { states[commit] }

    mutating func remember(_ state: LoadedState, for commit: String) {
        states[commit] = state
        order.removeAll { $0 == commit }
        order.append(commit)
        while order.count > Self.capacity { states[order.removeFirst()] = nil }
    }

    /// Keeps the last checks' head state as `target`'s when it is the merge of that main and manifest
    /// (the manifest's hash is read only when the main commit matches).
    mutating func merged(base main: String, manifest hash: () -> String?, as target: String) {
        guard let last = lastHead, last.base == main, last.hash == hash() else { return }
        remember(last.state, for: target)
    }
}
