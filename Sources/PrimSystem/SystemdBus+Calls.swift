import CLibSystemd
import PrimModel

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

extension SystemdBus {
    /// A new call of a Manager method, to append its arguments to.
    func managerMessage(_ method: String) throws -> OpaquePointer? {
        var message: OpaquePointer?
        try Self.check(
            sd_bus_message_new_method_call(
                bus, &message, Self.destination, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", method
            ),
            "cannot build \(method)")
        return message
    }

    /// Calls a Manager method whose arguments are strings and whose reply is nothing or one object path.
    @discardableResult
    func managerCall(_ method: String, _ arguments: [String], replyType: Character? = nil) throws -> String? {
        let message = try managerMessage(method)
        defer { sd_bus_message_unref(message) }
        for argument in arguments {
            try Self.check(
                argument.withCString { sd_bus_message_append_basic(message, CChar(UInt8(ascii: "s")), $0) },
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
        try Self.check(
            sd_bus_message_read_basic(reply, CChar(replyType.asciiValue!), &value), "cannot read the reply of \(method)"
        )
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
        return try list("ListUnitsByNames", [units])
    }

    /// The units the manager has loaded whose names match one of the glob `patterns`
    /// (`prim-*@*.service`: every version of every prim), in one round trip (`ListUnitsByPatterns`).
    public func states(matching patterns: [String]) throws -> [String: UnitRuntime] {
        try list("ListUnitsByPatterns", [[], patterns])
    }

    /// Calls a Manager method whose arguments are string arrays and whose reply lists units.
    func list(_ method: String, _ arguments: [[String]]) throws -> [String: UnitRuntime] {
        let message = try managerMessage(method)
        defer { sd_bus_message_unref(message) }
        for strings in arguments {
            try Self.check(
                sd_bus_message_open_container(message, CChar(UInt8(ascii: "a")), "s"), "cannot build \(method)")
            for string in strings {
                try Self.check(
                    string.withCString { sd_bus_message_append_basic(message, CChar(UInt8(ascii: "s")), $0) },
                    "cannot build \(method)")
            }
            try Self.check(sd_bus_message_close_container(message), "cannot build \(method)")
        }
        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var reply: OpaquePointer?
        let code = sd_bus_call(bus, message, 30_000_000, &error, &reply)
        defer { if reply != nil { sd_bus_message_unref(reply) } }
        if code < 0 { throw SystemError("\(method) failed: \(Self.describe(error, code))", class: .transient) }
        try Self.check(
            sd_bus_message_enter_container(reply, CChar(UInt8(ascii: "a")), "(ssssssouso)"), "cannot read \(method)")
        var result: [String: UnitRuntime] = [:]
        while sd_bus_message_enter_container(reply, CChar(UInt8(ascii: "r")), "ssssssouso") > 0 {
            var fields: [String] = []
            for type in "ssssss" {
                var value: UnsafePointer<CChar>?
                try Self.check(
                    sd_bus_message_read_basic(reply, CChar(type.asciiValue!), &value), "cannot read \(method)")
                fields.append(value.map { String(cString: $0) } ?? "")
            }
            try Self.check(sd_bus_message_skip(reply, "ouso"), "cannot read \(method)")
            try Self.check(sd_bus_message_exit_container(reply), "cannot read \(method)")
            result[fields[0]] = UnitRuntime(loadState: fields[2], activeState: fields[3], subState: fields[4])
        }
        return result
    }
}
