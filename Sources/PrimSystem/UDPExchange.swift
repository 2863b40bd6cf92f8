#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// One datagram sent to an IP literal and the answers read back until one is accepted or the
/// timeout passes (a DNS question to an authoritative server).
public enum UDPExchange {
    /// Sends `datagram` to `host`:`port` and returns the first reply `accept` takes (replies it
    /// refuses, such as another query's, are read past). Throws when nothing acceptable arrives in `timeout`.
    public static func send(
        _ datagram: [UInt8], to host: String, port: UInt16, timeout: Double, accept: ([UInt8]) -> Bool
    ) throws -> [UInt8] {
        guard case (var storage, let length, let family)? = address(host, port) else {
            throw SystemError("'\(host)' is not an IP address")
        }
        let socket = Glibc.socket(family, Int32(SOCK_DGRAM.rawValue), 0)
        guard socket >= 0 else {
            throw SystemError("cannot open a UDP socket: \(String(cString: strerror(errno)))", class: .transient)
        }
        defer { close(socket) }
        var wait = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        let sent = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(socket, datagram, datagram.count, 0, $0, length)
            }
        }
        guard sent == datagram.count else {
            throw SystemError("cannot send to \(host):\(port): \(String(cString: strerror(errno)))", class: .transient)
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { throw SystemError("no answer in \(timeout) s", class: .transient) }
            let reply = Array(buffer[..<count])
            if accept(reply) { return reply }
        }
    }

    /// A socket address for an IPv4 or IPv6 literal.
    static func address(_ host: String, _ port: UInt16) -> (sockaddr_storage, socklen_t, Int32)? {
        var storage = sockaddr_storage()
        func store<T>(_ value: T) -> socklen_t {
            withUnsafeBytes(of: value) { bytes in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: bytes) } }
            return socklen_t(MemoryLayout<T>.size)
        }
        if host.contains(":") {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { return nil }
            let length = store(address)
            return (storage, length, AF_INET6)
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        let length = store(address)
        return (storage, length, AF_INET)
    }

    /// Whether `host` is an IP literal a datagram can be sent to.
    public static func isAddress(_ host: String) -> Bool { address(host, 0) != nil }
}
