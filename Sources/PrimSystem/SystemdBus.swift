import CLibSystemd

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// A connection to a systemd manager over sd-bus (the system bus, or a given address).
public final class SystemdBus {
    let bus: OpaquePointer
    /// The manager's address (nil: the system bus), for a second connection on another thread.
    public let address: String?
    static let destination = "org.freedesktop.systemd1"

    /// Connects to `address` (`unix:path=…`), or the system bus when nil.
    public init(address: String?) throws {
        var bus: OpaquePointer?
        if let address {
            try Self.check(sd_bus_new(&bus), "cannot create a bus connection")
            try Self.check(sd_bus_set_address(bus, address), "bad bus address '\(address)'")
            try Self.check(sd_bus_set_bus_client(bus, 1), "cannot set up bus client")
            let started = sd_bus_start(bus)
            if started < 0 { sd_bus_unref(bus) }
            try Self.check(started, "cannot connect to the systemd manager at \(address)", class: .transient)
        } else {
            try Self.check(sd_bus_open_system(&bus), "cannot connect to the system bus", class: .transient)
        }
        self.bus = bus!
        self.address = address
    }

    private init(unstarted bus: OpaquePointer) {
        self.bus = bus
        address = nil
    }

    /// A bus that is never connected: every call on it fails ("not connected"). For a host
    /// environment whose kinds do not drive a manager (tests of other kinds on fakes).
    public static func unconnected() throws -> SystemdBus {
        var bus: OpaquePointer?
        try check(sd_bus_new(&bus), "cannot create a bus connection")
        return SystemdBus(unstarted: bus!)
    }

    deinit { sd_bus_flush_close_unref(bus) }

    static func check(_ code: Int32, _ action: String, class errorClass: SystemError.Class = .stalled) throws {
        guard code < 0 else { return }
        throw SystemError("\(action): \(String(cString: strerror(-code)))", class: errorClass)
    }

    /// The D-Bus object path of a unit, escaped as systemd does.
    public static func objectPath(unit: String) -> String {
        var path = "/org/freedesktop/systemd1/unit/"
        for byte in unit.utf8 {
            if (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) {
                path.append(Character(UnicodeScalar(byte)))
            } else {
                path += "_" + String(byte, radix: 16, uppercase: false).leftPadded(to: 2)
            }
        }
        return path
    }

    func string(_ path: String, _ interface: String, _ member: String) throws -> String {
        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var value: UnsafeMutablePointer<CChar>?
        let code = sd_bus_get_property_string(bus, Self.destination, path, interface, member, &error, &value)
        if code < 0 {
            throw SystemError("cannot read \(member) of \(path): \(Self.describe(error, code))", class: .transient)
        }
        defer { free(value) }
        return value.map { String(cString: $0) } ?? ""
    }

    static func describe(_ error: sd_bus_error, _ code: Int32) -> String {
        if let message = error.message { return String(cString: message) }
        return String(cString: strerror(-code))
    }
}
