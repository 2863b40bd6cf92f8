import Glibc
import PrimModel
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One direct DNS question over UDP, recursion not desired: what the authoritative server
/// itself serves for a name, before a route that needs the name (an ACME order) is loaded.
public enum DNSQuery {
    public static let types: [String: UInt16] = [
        "A": 1, "NS": 2, "CNAME": 5, "MX": 15, "TXT": 16, "AAAA": 28, "SRV": 33, "CAA": 257,
    ]

    public struct Answer: Equatable, Sendable {
        public var type: UInt16
        /// A and AAAA as text, TXT as its strings joined; other types' data are not decoded.
        public var address: String?
    }

    public struct Reply: Equatable, Sendable {
        public var answers: [Answer]
        /// The server cut the reply short (TC): it has more than fits.
        public var truncated: Bool
    }

    /// The answers of type `type` for `name` (asked with EDNS, 4096-byte replies); throws when the
    /// server does not answer in `timeout`.
    public static func ask(_ server: String, name: String, type: String, timeout: Double = 1) throws -> Reply {
        guard let server = HostPort(server) else {
            throw SystemError("dns.server '\(server)' is not address:port")
        }
        let (host, port) = (server.host, server.port)
        guard let code = types[type] else { return Reply(answers: [], truncated: false) }
        let id = UInt16.random(in: 0...UInt16.max)
        let query = message(id: id, name: name, type: code)

        guard UDPExchange.isAddress(host) else { throw SystemError("dns.server '\(server)' has no IP address") }
        let reply: [UInt8]
        do {
            reply = try UDPExchange.send(query, to: host, port: port, timeout: timeout) { reply in
                reply.count >= 12 && UInt16(reply[0]) << 8 | UInt16(reply[1]) == id
            }
        } catch let error as SystemError {
            throw SystemError("\(server) did not answer a DNS query for \(name): \(error)", class: error.errorClass)
        }
        return Reply(answers: try answers(reply, type: code), truncated: reply[2] & 0x02 != 0)
    }

    static func message(id: UInt16, name: String, type: UInt16) -> [UInt8] {
        // One question, one additional record (EDNS's OPT); RD clear: no recursion.
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 1]
        for label in name.trimmingDot.split(separator: ".") {
            let utf8 = Array(label.utf8.prefix(63))
            bytes.append(UInt8(utf8.count))
            bytes += utf8
        }
        bytes += [0, UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
        // OPT: root name, type 41, class = UDP payload size 4096, extended rcode/flags 0, no data.
        bytes += [0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0]
        return bytes
    }

    /// The answer section's records of `type`. NXDOMAIN and empty answers give none.
    static func answers(_ reply: [UInt8], type: UInt16) throws -> [Answer] {
        let rcode = reply[3] & 0x0F
        guard rcode == 0 || rcode == 3 else {
            throw SystemError("the DNS server answered rcode \(rcode)", class: .transient)
        }
        let questions = Int(reply[4]) << 8 | Int(reply[5])
        let count = Int(reply[6]) << 8 | Int(reply[7])
        var offset = 12
        func skipName() throws {
            while offset < reply.count {
                let length = reply[offset]
                if length & 0xC0 == 0xC0 { offset += 2; return }
                offset += 1
                if length == 0 { return }
                offset += Int(length)
            }
            throw SystemError("a DNS answer was cut short", class: .transient)
        }
        for _ in 0..<questions { try skipName(); offset += 4 }
        var result: [Answer] = []
        for _ in 0..<count {
            try skipName()
            guard offset + 10 <= reply.count else { break }
            let recordType = UInt16(reply[offset]) << 8 | UInt16(reply[offset + 1])
            let length = Int(reply[offset + 8]) << 8 | Int(reply[offset + 9])
            offset += 10
            guard offset + length <= reply.count else { break }
            let data = Array(reply[offset..<offset + length])
            offset += length
            guard recordType == type else { continue }
            result.append(Answer(type: recordType, address: address(data, type: recordType)))
        }
        return result
    }

    static func address(_ data: [UInt8], type: UInt16) -> String? {
        var text = [CChar](repeating: 0, count: 64)
        switch (type, data.count) {
        case (1, 4): return data.map(String.init).joined(separator: ".")
        case (28, 16): return inet_ntop(AF_INET6, data, &text, 64) != nil ? Self.text(text) : nil
        case (16, _):
            // One or more character-strings, each a length byte and its bytes.
            var strings: [UInt8] = []
            var offset = 0
            while offset < data.count {
                let length = Int(data[offset])
                guard offset + 1 + length <= data.count else { return nil }
                strings += data[offset + 1..<offset + 1 + length]
                offset += 1 + length
            }
            return String(decoding: strings, as: UTF8.self)
        default: return nil
        }
    }

    /// The canonical text of an IPv6 address (RFC 5952), as PowerDNS stores AAAA content.
    public static func canonicalIPv6(_ text: String) -> String? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        var out = [CChar](repeating: 0, count: 64)
        return inet_ntop(AF_INET6, &address, &out, 64) != nil ? Self.text(out) : nil
    }

    static func text(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
