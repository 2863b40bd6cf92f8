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
        invocation != before.invocation || subState == "auto-restart" || activeState == "failed" || activeState == "inactive"
    }
}

extension SystemdBus {
    /// A unit's ControlGroupId alone (0 when it has no cgroup): one round trip.
    public func cgroupID(unit: String) throws -> UInt64 {
        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var cgroup: UInt64 = 0
        let code = sd_bus_get_property_trivial(bus, Self.destination, Self.objectPath(unit: unit), "org.freedesktop.systemd1.Service", "ControlGroupId",
                                               &error, CChar(UInt8(ascii: "t")), &cgroup)
        if code < 0 { throw SystemError("cannot read ControlGroupId of \(unit): \(Self.describe(error, code))", class: .transient) }
        return cgroup
    }

    public func identity(unit: String) throws -> UnitIdentity {
        let path = Self.objectPath(unit: unit)
        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var cgroup: UInt64 = 0
        let code = sd_bus_get_property_trivial(bus, Self.destination, path, "org.freedesktop.systemd1.Service", "ControlGroupId",
                                               &error, CChar(UInt8(ascii: "t")), &cgroup)
        if code < 0 { throw SystemError("cannot read ControlGroupId of \(unit): \(Self.describe(error, code))", class: .transient) }
        var reply: OpaquePointer?
        var invocationError = sd_bus_error()
        defer { sd_bus_error_free(&invocationError) }
        let read = sd_bus_get_property(bus, Self.destination, path, "org.freedesktop.systemd1.Unit", "InvocationID", &invocationError, &reply, "ay")
        defer { if reply != nil { sd_bus_message_unref(reply) } }
        if read < 0 { throw SystemError("cannot read InvocationID of \(unit): \(Self.describe(invocationError, read))", class: .transient) }
        var bytes: UnsafeRawPointer?
        var size = 0
        try Self.check(sd_bus_message_read_array(reply, CChar(UInt8(ascii: "y")), &bytes, &size), "cannot read InvocationID of \(unit)")
        let id = bytes.map { pointer in (0..<size).map { String(pointer.load(fromByteOffset: $0, as: UInt8.self), radix: 16).leftPadded(to: 2) }.joined() } ?? ""
        let active = try string(path, "org.freedesktop.systemd1.Unit", "ActiveState")
        let sub = try string(path, "org.freedesktop.systemd1.Unit", "SubState")
        return UnitIdentity(cgroupID: cgroup, invocation: id, activeState: active, subState: sub)
    }
}
