import PrimPlan

/// A unit job to run and wait for.
public struct UnitJob: Sendable, Equatable {
    public enum Verb: String, Sendable { case start, restart, stop }
    public var unit: String
    public var verb: Verb

    public init(unit: String, verb: Verb) {
        self.unit = unit
        self.verb = verb
    }
}

/// Writes and removes one kind of file prim manages.
public protocol FileExecutor {
    func write(_ path: String, content: String) throws
    func remove(_ path: String) throws
}

/// Drives the systemd manager.
public protocol UnitExecutor: FileExecutor {
    /// daemon-reload, once per phase that changed unit files.
    func reload() throws
    /// Makes the unit wanted by the targets its `[Install]` section names (as `systemctl enable`).
    func enable(unit: String, content: String) throws
    func disable(unit: String) throws
    /// Queues every job, then waits for all of them; a job's error is its unit's failure message.
    func run(_ jobs: [UnitJob], timeout: Double) -> [String: String?]
    /// `active`, `failed`, `activating`…
    func activeState(unit: String) -> String
    /// The last lines the unit logged.
    func journal(unit: String, lines: Int) -> [String]
}

/// Drives Caddy: checks a whole config before anything is written, then loads it once.
public protocol RouteExecutor: FileExecutor {
    /// The whole config for a set of fragments, as it will be loaded.
    func compose(fragments: [String]) -> String
    /// Asks Caddy whether the config is valid without loading it.
    func check(_ config: String) throws
    func load(_ config: String) throws
}

/// What a kind drives the host with, when not its own (`HostEnvironment.drivers`).
public struct Drivers {
    /// File writers by kind (env files, releases, route files).
    public var files: [ResourceKind: any FileExecutor] = [:]
    /// Caddy.
    public var routes: (any RouteExecutor)?
    /// The service manager (the units' kind).
    public var units: (any UnitManager)?
    /// The gates.
    public var health: (any HealthChecker)?
    /// A kind's own kind of driver (the DNS kind's provider), by kind; the kind casts it.
    public var other: [ResourceKind: Any] = [:]

    public init() {}

    /// The writer for `kind`: the one given, else `own()`.
    public func files(_ kind: ResourceKind, else own: () throws -> any FileExecutor) rethrows -> any FileExecutor {
        try files[kind] ?? own()
    }
}
