import PrimPlan

/// What an apply reports as it goes, for human text or a JSON event stream.
public enum ApplyEvent: Sendable {
    /// A previous apply was interrupted; this one finishes its work.
    case resuming(generation: Int, unfinished: Int)
    /// One change was carried out (or failed).
    case step(Step)
    /// The manager re-read unit files.
    case daemonReload(seconds: Double)
    /// A health gate ran; failing gates carry the unit's last journal lines.
    case gate(GateResult, journal: [String])

    public struct Step: Sendable {
        public var address: ResourceAddress
        public var action: Action
        public var error: String?
        public var seconds: Double
        /// The unit's last journal lines, when a unit failed.
        public var journal: [String]

        public init(address: ResourceAddress, action: Action, error: String?, seconds: Double, journal: [String]) {
            self.address = address
            self.action = action
            self.error = error
            self.seconds = seconds
            self.journal = journal
        }
    }
}
