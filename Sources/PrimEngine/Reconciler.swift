import PrimModel
import PrimPlan
import PrimSystem

/// What a reconciler works on: this host's config, its manager, and where prims' code is read.
public struct HostEnvironment {
    public var config: HostConfig
    public var bus: SystemdBus
    public var sources: [SourceTree]
    /// The observation is primd's periodic drift check, not an apply or a diff: a kind whose
    /// provider charges per read (domain.sh) reads it at its own, longer interval.
    public var driftCheck = false
    /// Drivers that stand in for the kinds' own: empty on a host, where each kind drives the real
    /// thing (files, Caddy, a DNS provider); tests give fakes that record their calls.
    public var drivers = Drivers()

    public init(config: HostConfig, bus: SystemdBus, sources: [SourceTree]) {
        self.config = config
        self.bus = bus
        self.sources = sources
    }
}

/// What a kind renders its resources from: the state, and `DesiredBuilder`'s rendering of each
/// deployed prim that is not blocked (`desired.renderings`) with the releases it runs.
public struct DesireInput {
    public var state: DesiredState
    public var host: Host
    public var config: HostConfig
    public var desired: DesiredHost
    /// This host's key for naming versions (`<data dir>/version.key`); a key of this process's own
    /// for a state no host keeps (pr.sh's plans).
    public var versionKey: String

    public init(
        state: DesiredState, host: Host, config: HostConfig, desired: DesiredHost,
        versionKey: String = PrimRendering.processKey
    ) {
        self.state = state
        self.host = host
        self.config = config
        self.desired = desired
        self.versionKey = versionKey
    }

    /// The renderings of the prims whose files a kind renders, in order.
    public var prims: [PrimRendering] { desired.renderings.keys.sorted().compactMap { desired.renderings[$0] } }
}

/// An explicit "yes, that is meant" for a guard (`--allow-mass-delete`, `--allow-dns-deletes`).
public struct Override: RawRepresentable, Hashable, Sendable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

/// Why an apply must not run without an override; nothing is done.
public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String

    public init(code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// One resource kind, whole: its pure planning (`KindPlanner`), how it is observed, and how its
/// changes are carried out. PrimHost registers the list once; the planner and the applier only
/// iterate it.
///
/// An apply runs, for the registered kinds: `refusal` (all) → `check` (all, before anything is
/// written) → `stage` (create order) → `settle` (create order) → `execute` (create order) →
/// `remove` (removal order).
public protocol Reconciler: KindPlanner {
    /// Resources of this kind the state asks for (a kind renders its own files). Default: none.
    func desire(_ input: DesireInput) throws -> [DesiredResource]
    /// What is live of this kind. `owned` is set from the inventory afterwards, unless the kind
    /// marks ownership itself (`marksOwnership`).
    func observe(_ host: HostEnvironment, desired: DesiredHost) throws -> [ObservedResource]
    /// Whether `observe` decides ownership itself (a marker on the live resource) instead of the inventory.
    var marksOwnership: Bool { get }
    /// A guard against a plan that is most likely a mistake. Default: none.
    func refusal(_ plan: Plan, overrides: Set<Override>) -> Refusal?
    /// Checks what this kind will do before anything is written (Caddy adapts its new config).
    func check(_ apply: ApplyContext) throws
    /// Writes what nothing live reads yet, or tries a change before it is made (releases, side-by-side candidates).
    func stage(_ changes: [Change], _ apply: ApplyContext) throws
    /// After every kind's stage, before any execution: waits out or undoes what a stage began (a new
    /// version's settle; a route moved to a version that did not stay up goes back).
    func settle(_ apply: ApplyContext) throws
    /// Carries out the kind's creations and updates, and the deletions `removesEarly` keeps here.
    func execute(_ changes: [Change], _ apply: ApplyContext) throws
    /// Whether a deletion runs with the creations (a record replaced by one of another type) rather than with the removals.
    func removesEarly(_ change: Change, in plan: Plan) -> Bool
    /// Carries out the kind's remaining deletions, and its changes marked `late`.
    func remove(_ changes: [Change], _ apply: ApplyContext) throws
    /// Directories where an interrupted write of this kind may have left a temporary file.
    func directories(_ config: HostConfig) -> [String]
}

extension Reconciler {
    public func desire(_ input: DesireInput) throws -> [DesiredResource] { [] }
    public var marksOwnership: Bool { false }
    public func refusal(_ plan: Plan, overrides: Set<Override>) -> Refusal? { nil }
    public func check(_ apply: ApplyContext) throws {}
    public func stage(_ changes: [Change], _ apply: ApplyContext) throws {}
    public func settle(_ apply: ApplyContext) throws {}
    public func removesEarly(_ change: Change, in plan: Plan) -> Bool { false }
    public func directories(_ config: HostConfig) -> [String] { [] }
}
