import CLibSystemd
#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif
import PrimModel

extension SystemdBus {
    /// Calls a Manager method whose arguments are strings and whose reply is nothing or one object path.
    @discardableResult
    func managerCall(_ method: String, _ arguments: [String], replyType: Character? = nil) throws -> String? {
        var message: OpaquePointer?
        try Self.check(sd_bus_message_new_method_call(bus, &message, Self.destination, "/org/freedesktop/systemd1",
                                                      "org.freedesktop.systemd1.Manager", method), "cannot build \(method)")
        defer { sd_bus_message_unref(message) }
        for argument in arguments {
            try Self.check(argument.withCString { sd_bus_message_append_basic(message, CChar(UInt8(ascii: "s")), $0) },
                           "cannot build \(method)")
        }
        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var reply: OpaquePointer?
        let code = sd_bus_call(bus, message, 120_000_000, &error, &reply)
        defer { if reply != nil { sd_bus_message_unref(reply) } }
        if code < 0 {
            throw SystemError("\(method)(\(arguments.joined(separator: ", "))) failed: \(Self.describe(error, code))")
        }
        guard let replyType else { return nil }
        var value: UnsafePointer<CChar>?
        try Self.check(sd_bus_message_read_basic(reply, CChar(replyType.asciiValue!), &value), "cannot read the reply of \(method)")
        return value.map { String(cString: $0) }
    }

    /// Reloads unit files (`daemon-reload`); returns when the manager has finished.
    public func reload() throws {
        try managerCall("Reload", [])
    }

    /// Queues a start, restart or stop job and returns its object path.
    public func queue(_ verb: UnitVerb, unit: String) throws -> String {
        try managerCall(verb.rawValue, [unit, "replace"], replyType: "o") ?? ""
    }

    public enum UnitVerb: String, Sendable {
        case start = "StartUnit", restart = "RestartUnit", stop = "StopUnit"
    }

    /// Whether a job is still queued or running.
    public func jobPending(_ path: String) -> Bool {
        (try? string(path, "org.freedesktop.systemd1.Job", "State")) != nil
    }

    /// Clears a unit's failed state so it can be started again.
    public func resetFailed(unit: String) {
        _ = try? managerCall("ResetFailedUnit", [unit])
    }
}

extension SystemdBus {
    /// Load, active and sub state of many units in one round trip (`ListUnitsByNames`).
    /// Units the manager does not know come back as `not-found` / `inactive`.
    public func states(units: [String]) throws -> [String: UnitRuntime] {
        guard !units.isEmpty else { return [:] }
        var message: OpaquePointer?
        try Self.check(sd_bus_message_new_method_call(bus, &message, Self.destination, "/org/freedesktop/systemd1",
                                                      "org.freedesktop.systemd1.Manager", "ListUnitsByNames"), "cannot build ListUnitsByNames")
        defer { sd_bus_message_unref(message) }
        try Self.check(sd_bus_message_open_container(message, CChar(UInt8(ascii: "a")), "s"), "cannot build ListUnitsByNames")
        for unit in units {
            try Self.check(unit.withCString { sd_bus_message_append_basic(message, CChar(UInt8(ascii: "s")), $0) }, "cannot build ListUnitsByNames")
        }
        try Self.check(sd_bus_message_close_container(message), "cannot build ListUnitsByNames")
        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var reply: OpaquePointer?
        let code = sd_bus_call(bus, message, 30_000_000, &error, &reply)
        defer { if reply != nil { sd_bus_message_unref(reply) } }
        if code < 0 { throw SystemError("ListUnitsByNames failed: \(Self.describe(error, code))", class: .transient) }
        try Self.check(sd_bus_message_enter_container(reply, CChar(UInt8(ascii: "a")), "(ssssssouso)"), "cannot read ListUnitsByNames")
        var result: [String: UnitRuntime] = [:]
        while sd_bus_message_enter_container(reply, CChar(UInt8(ascii: "r")), "ssssssouso") > 0 {
            var fields: [String] = []
            for type in "ssssss" {
                var value: UnsafePointer<CChar>?
                try Self.check(sd_bus_message_read_basic(reply, CChar(type.asciiValue!), &value), "cannot read ListUnitsByNames")
                fields.append(value.map { String(cString: $0) } ?? "")
            }
            try Self.check(sd_bus_message_skip(reply, "ouso"), "cannot read ListUnitsByNames")
            try Self.check(sd_bus_message_exit_container(reply), "cannot read ListUnitsByNames")
            result[fields[0]] = UnitRuntime(loadState: fields[2], activeState: fields[3], subState: fields[4])
        }
        return result
    }
}
