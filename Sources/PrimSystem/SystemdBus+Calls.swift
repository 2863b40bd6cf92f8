import CLibSystemd
import Foundation

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

    /// The unit's current invocation, as hex; changes on every (re)start.
    public func invocationID(unit: String) throws -> String {
        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var reply: OpaquePointer?
        let code = sd_bus_get_property(bus, Self.destination, Self.objectPath(unit: unit), "org.freedesktop.systemd1.Unit",
                                       "InvocationID", &error, &reply, "ay")
        defer { if reply != nil { sd_bus_message_unref(reply) } }
        if code < 0 { throw SystemError("cannot read InvocationID of \(unit): \(Self.describe(error, code))") }
        var pointer: UnsafeRawPointer?
        var size = 0
        guard sd_bus_message_read_array(reply, CChar(UInt8(ascii: "y")), &pointer, &size) >= 0, let pointer else { return "" }
        return UnsafeRawBufferPointer(start: pointer, count: size).map { String(format: "%02x", $0) }.joined()
    }
}
