import CLibSystemd

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Which run of a unit is live, and where its processes are: a gate asks this before and after
/// it trusts an answer on the unit's port.
public struct UnitIdentity: Sendable, Equatable {
    /// The unit's cgroup (`ControlGroupId`, the cgroup directory's inode); 0 when it runs no process.
    public var cgroupID: UInt64
    /// The unit's current invocation (`InvocationID`, hex); it changes on every start.
    public var invocation: String
    public var activeState: String
    /// `SubState`: for a service, `auto-restart` while its main process has exited and the manager waits to start it again.
    public var subState = ""

    public init(cgroupID: UInt64, invocation: String, activeState: String, subState: String = "") {
        self.cgroupID = cgroupID
        self.invocation = invocation
        self.activeState = activeState
        self.subState = subState
    }

    /// Whether the run the gate started with is over: the main process exited (the manager waits to
    /// restart it, or gave up), or the unit started again since.
    public func ended(since before: UnitIdentity) -> Bool {
        invocation != before.invocation || subState == "auto-restart" || activeState == "failed"
            || activeState == "inactive"
    }
}

extension SystemdBus {
    /// A unit's ControlGroupId alone (0 when it has no cgroup): one round trip.
    public func cgroupID(unit: String) throws -> UInt64 {
        try serviceProperty(unit, "ControlGroupId", type: "t", zero: UInt64(0))
    }

    /// A unit's main process (`MainPID`; 0 when it has none): one round trip.
    public func mainPID(unit: String) throws -> Int {
        Int(try serviceProperty(unit, "MainPID", type: "u", zero: UInt32(0)))
    }

    /// A service property of a fixed-size D-Bus type (`t`, `u`), in one round trip.
    func serviceProperty<Value: BitwiseCopyable>(
        _ unit: String, _ name: String, type: Unicode.Scalar, zero: Value
    ) throws -> Value {
        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var value = zero
        let code = sd_bus_get_property_trivial(
            bus, Self.destination, Self.objectPath(unit: unit), "org.freedesktop.systemd1.Service", name,
            &error, CChar(UInt8(ascii: type)), &value)
        if code < 0 {
            throw SystemError("cannot read \(name) of \(unit): \(Self.describe(error, code))", class: .transient)
        }
        return value
    }

    public func identity(unit: String) throws -> UnitIdentity {
        let path = Self.objectPath(unit: unit)
        let cgroup = try cgroupID(unit: unit)
        var reply: OpaquePointer?
        var invocationError = sd_bus_error()
        defer { sd_bus_error_free(&invocationError) }
        let read = sd_bus_get_property(
            bus, Self.destination, path, "org.freedesktop.systemd1.Unit", "InvocationID", &invocationError, &reply, "ay"
        )
        defer { if reply != nil { sd_bus_message_unref(reply) } }
        if read < 0 {
            throw SystemError(
                "cannot read InvocationID of \(unit): \(Self.describe(invocationError, read))", class: .transient)
        }
        var bytes: UnsafeRawPointer?
        var size = 0
        try Self.check(
            sd_bus_message_read_array(reply, CChar(UInt8(ascii: "y")), &bytes, &size),
            "cannot read InvocationID of \(unit)")
        let id =
            bytes.map { pointer in
                (0..<size).map { String(pointer.load(fromByteOffset: $0, as: UInt8.self), radix: 16).leftPadded(to: 2) }
                    .joined()
            } ?? ""
        let active = try string(path, "org.freedesktop.systemd1.Unit", "ActiveState")
        let sub = try string(path, "org.freedesktop.systemd1.Unit", "SubState")
        return UnitIdentity(cgroupID: cgroup, invocation: id, activeState: active, subState: sub)
    }
}

extension SystemdBus {
    /// The cgroup (`ControlGroupId`) of each of these services, by name; 0 for one that runs no
    /// process. Asking the manager costs one round trip per unit (about 1 ms each, a second for a
    /// thousand versions), so only the first instances are asked: a cgroup directory, found from
    /// its path and checked to be that very cgroup, shows where the manager puts instances
    /// (`<default slice>/<prefix>-<escaped template>.slice/<unit>`, `InstanceLayout`), and each
    /// other instance's is one `stat` there. Where that cannot be done (no instance runs a process,
    /// a directory is missing, a unit from before versions), the manager is asked.
    public func cgroupIDs(units: [String]) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        var layout: InstanceLayout?
        var tries = 3
        for unit in units {
            if let path = layout?.directory(of: unit) {
                var info = stat()
                if stat(path, &info) == 0 { result[unit] = UInt64(info.st_ino); continue }
            }
            let id = (try? cgroupID(unit: unit)) ?? 0
            result[unit] = id
            if layout == nil, tries > 0, id != 0, unit.contains("@") {
                tries -= 1
                layout = cgroupDirectory(unit: unit, id: id).flatMap { InstanceLayout(directory: $0, unit: unit) }
            }
        }
        return result
    }

    /// Where the manager puts the cgroups of template instances, learnt from one:
    /// `<root>/system-prim\x2dalpha.slice/prim-alpha@v.service` gives `<root>` and the slice's
    /// name around the escaped template prefix.
    struct InstanceLayout {
        var root: String
        var before: Substring
        var after: Substring

        init?(directory: String, unit: String) {
            let parts = directory.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count > 2, let prefix = Self.prefix(unit),
                let range = parts[parts.count - 2].firstRange(of: prefix)
            else { return nil }
            let slice = parts[parts.count - 2]
            root = parts.dropLast(2).joined(separator: "/")
            before = slice[..<range.lowerBound]
            after = slice[range.upperBound...]
        }

        /// The template prefix of an instance's name, escaped as in a slice's name (`-` is `\x2d`).
        static func prefix(_ unit: String) -> String? {
            guard let at = unit.firstIndex(of: "@") else { return nil }
            return String(unit[..<at]).replacing("-", with: "\\x2d")
        }

        func directory(of unit: String) -> String? {
            Self.prefix(unit).map { "\(root)/\(before)\($0)\(after)/\(unit)" }
        }
    }

    /// The directory of a unit's cgroup in this namespace's view, if it is the one of inode `id`.
    /// The manager names it (`ControlGroup`) from its own cgroup root, which is this namespace's
    /// root, or one directory below it for a manager in a cgroup namespace of its own (a container).
    func cgroupDirectory(unit: String, id: UInt64) -> String? {
        guard let mount = PortOwners.cgroupMount,
            let path = try? string(Self.objectPath(unit: unit), "org.freedesktop.systemd1.Service", "ControlGroup"),
            path.hasPrefix("/"), path.hasSuffix("/\(unit)")
        else { return nil }
        let roots = [mount] + ((try? ContainedPath.names(in: mount)) ?? []).sorted().map { "\(mount)/\($0)" }
        for root in roots {
            var info = stat()
            if stat(root + path, &info) == 0, UInt64(info.st_ino) == id { return root + path }
        }
        return nil
    }
}
