/// What the systemd manager says about a unit.
public struct UnitRuntime: Sendable, Equatable, Codable {
    /// `loaded`, `not-found`, `masked`…
    public var loadState: String
    /// `active`, `inactive`, `failed`, `activating`…
    public var activeState: String
    public var subState: String

    public init(loadState: String, activeState: String, subState: String = "") {
        self.loadState = loadState
        self.activeState = activeState
        self.subState = subState
    }

    public var isRunning: Bool { activeState == "active" || activeState == "activating" || activeState == "reloading" }
}

/// A process that holds a listening TCP socket, as the kernel reports it.
public struct PortHolder: Sendable, Equatable, Codable {
    public var pid: Int
    public var command: String
    /// The process's cgroup v2 path, from the cgroup2 mount's root (`/…/system.slice/x.service`).
    public var cgroup: String
    /// The inode of that cgroup's directory: systemd's `ControlGroupId`, the same in every namespace.
    public var cgroupID: UInt64?

    /// The unit a cgroup path names (its last `*.service` component), for messages.
    public var unit: String? {
        cgroup.split(separator: "/").last { $0.hasSuffix(".service") || $0.hasSuffix(".scope") }.map(String.init)
    }

    public init(pid: Int, command: String, cgroup: String, cgroupID: UInt64?) {
        self.pid = pid
        self.command = command
        self.cgroup = cgroup
        self.cgroupID = cgroupID
    }

    public var description: String {
        "pid \(pid) (\(command)\(unit.map { ", \($0)" } ?? ", in no unit"))"
    }
}
