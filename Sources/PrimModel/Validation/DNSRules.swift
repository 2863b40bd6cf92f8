import PrimYAML

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a zone file may declare: names inside the zone, content each type's server accepts,
/// no CNAME beside other data, and a zone for every deployed prim's endpoint.
enum DNSRules {
    static let ttlRange = 1...2_147_483_647

    static func check(_ state: DesiredState, log: DiagnosticLog) {
        var types: [String: [(type: String, file: String, mark: Mark)]] = [:]
        /// Names an NS record below its zone's apex hands to other servers.
        var delegations: [String] = []
        for zone in state.zones {
            if zone.provider.isEmpty {
                log.error(
                    zone.file, zone.mark, "dns-provider",
                    "zone \(zone.apex) names no provider; set provider: powerdns (or a provider of providers/)")
            }
            if !ttlRange.contains(zone.ttl) {
                log.error(
                    zone.file, zone.ttlMark ?? zone.mark, "dns-ttl",
                    "ttl \(zone.ttl) is out of range; use seconds between 1 and 2147483647 (300 is the default)")
            }
            var seen: [String: Mark] = [:]
            for record in zone.records {
                let name = zone.absolute(record.name)
                if !isRecordName(name) {
                    log.error(
                        zone.file, record.mark(of: "name"), "dns-name",
                        "record name '\(record.name)' is not a DNS name: labels of letters, digits, '-' or '_', each at most 63 bytes, at most 253 in all ('*' only as the first label)"
                    )
                    continue
                }
                if !zone.contains(name) {
                    log.error(
                        zone.file, record.mark(of: "name"), "dns-out-of-zone",
                        "record name '\(record.name)' is \(name), outside zone \(zone.apex); use a name relative to the zone, or '@' for the apex"
                    )
                    continue
                }
                if !ttlRange.contains(record.ttl) {
                    log.error(
                        zone.file, record.mark(of: "ttl"), "dns-ttl",
                        "ttl \(record.ttl) is out of range; use seconds between 1 and 2147483647 (300 is the default)")
                }
                if record.type == "CNAME", name == zone.apex {
                    log.error(
                        zone.file, record.mark(of: "type"), "dns-cname-apex",
                        "a CNAME cannot stand at the zone's apex (\(zone.apex)), which holds its SOA and NS; use A/AAAA records there"
                    )
                }
                if let problem = contentProblem(record.type, record.content) {
                    log.error(zone.file, record.mark(of: "content"), problem.code, problem.message)
                }
                let key = "\(name) \(record.type) \(canonical(record.type, record.content))"
                if let first = seen[key] {
                    log.error(
                        zone.file, record.mark, "dns-duplicate",
                        "this \(record.type) record of \(name) repeats the one at line \(first.line); remove one")
                } else {
                    seen[key] = record.mark
                }
                types[name, default: []].append((record.type, zone.file, record.mark(of: "type")))
                if record.type == "NS", name != zone.apex { delegations.append(name) }
            }
        }
        for prim in state.prims where prim.isDeployed {
            guard let host = state.host(for: prim) else { continue }
            let endpoint = host.endpoint(for: prim).lowercased()
            let origin = prim.origin(prim.endpoint == nil ? "id" : "endpoint")
            if prim.endpoint == nil, !PrimDecoder.isValidHostName(endpoint) {
                log.error(
                    origin.file, origin.mark, "invalid-endpoint",
                    "prim '\(prim.id)' would answer on '\(endpoint)', which is not a DNS name (a label may not end in '-'); set endpoint: or rename the prim"
                )
            }
            if !state.zones.isEmpty, state.zone(containing: endpoint) == nil {
                log.error(
                    origin.file, origin.mark, "dns-no-zone",
                    "endpoint '\(endpoint)' of prim '\(prim.id)' is in no zone of dns/ (\(state.zones.map(\.apex).joined(separator: ", "))); add dns/<zone>.yaml for it or choose an endpoint in a declared zone"
                )
            }
            if let delegated = delegations.first(where: { endpoint == $0 || endpoint.hasSuffix("." + $0) }) {
                log.error(
                    origin.file, origin.mark, "dns-delegated",
                    "endpoint '\(endpoint)' of prim '\(prim.id)' is at or below \(delegated), which an NS record of dns/ delegates to other servers: its record would never be served; choose another endpoint"
                )
            }
            if let taken = types[endpoint]?.first(where: { ["A", "AAAA", "CNAME"].contains($0.type) }) {
                log.error(
                    origin.file, origin.mark, "dns-endpoint-taken",
                    "endpoint '\(endpoint)' of prim '\(prim.id)' already has a \(taken.type) record at \(taken.file):\(taken.mark.line):\(taken.mark.column); a prim's endpoint must be a name the zone file does not point anywhere — choose another endpoint"
                )
            }
            types[endpoint, default: []].append(("A", origin.file, origin.mark))
        }
        for (name, entries) in types.sorted(by: { $0.key < $1.key }) {
            let cnames = entries.filter { $0.type == "CNAME" }
            guard let cname = cnames.first, entries.count > 1 else { continue }
            let others = entries.filter { $0.type != "CNAME" }.map(\.type)
            let what =
                others.isEmpty
                ? "\(cnames.count) CNAME records" : "a CNAME beside \(Set(others).sorted().joined(separator: ", "))"
            log.error(
                cname.file, cname.mark, "dns-cname-conflict",
                "\(name) has \(what); a CNAME must be the only record at its name (a prim's endpoint has A records): remove one, or move it to another name"
            )
        }
    }

    /// Content as the server compares it: host names lower-case and absolute, IPv6 expanded.
    static func canonical(_ type: String, _ content: String) -> String {
        func absolute(_ name: String) -> String { (name.hasSuffix(".") ? name : name + ".").lowercased() }
        let fields = content.split(separator: " ").map(String.init)
        switch type {
        case "AAAA": return expandedIPv6(content) ?? content
        case "CNAME", "NS": return absolute(content)
        case "MX" where fields.count == 2: return "\(fields[0]) \(absolute(fields[1]))"
        case "SRV" where fields.count == 4: return fields[..<3].joined(separator: " ") + " " + absolute(fields[3])
        default: return content
        }
    }

    /// Eight hex groups, for comparing IPv6 addresses written differently.
    static func expandedIPv6(_ text: String) -> String? {
        guard isIPv6(text), !text.contains(".") else { return nil }
        let halves = text.components(separatedBy: "::")
        let head = halves[0].isEmpty ? [] : halves[0].split(separator: ":").map(String.init)
        let tail = halves.count == 2 && !halves[1].isEmpty ? halves[1].split(separator: ":").map(String.init) : []
        let groups = head + Array(repeating: "0", count: 8 - head.count - tail.count) + tail
        return groups.map { String(UInt16($0, radix: 16) ?? 0, radix: 16) }.joined(separator: ":")
    }

    /// A record's name: labels of letters, digits, `-` and `_` (`_dmarc`), `*` only as the first.
    static func isRecordName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        return labels.enumerated().allSatisfy { index, label in
            if index == 0 && label == "*" { return true }
            return !label.isEmpty && label.utf8.count <= 63
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
    }

    /// A host name a record points at (trailing dot allowed).
    static func isTarget(_ name: String) -> Bool {
        let name = name.hasSuffix(".") ? String(name.dropLast()) : name
        return name.isEmpty || (isRecordName(name) && !name.hasPrefix("*"))
    }

    struct Problem {
        var code: String
        var message: String
    }

    /// The content's shape for its type, as PowerDNS and domain.sh want it.
    static func contentProblem(_ type: String, _ content: String) -> Problem? {
        let fields = content.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        switch type {
        case "A":
            return isIPv4(content)
                ? nil
                : Problem(
                    code: "dns-content", message: "A content '\(content)' is not an IPv4 address like 203.0.113.10")
        case "AAAA":
            return isIPv6(content)
                ? nil
                : Problem(
                    code: "dns-content", message: "AAAA content '\(content)' is not an IPv6 address like 2001:db8::10")
        case "TXT":
            return txtProblem(content)
        case "MX":
            guard fields.count == 2, let priority = Int(fields[0]), (0...65535).contains(priority), isTarget(fields[1])
            else {
                return Problem(
                    code: "dns-mx-priority",
                    message: "MX content '\(content)' needs a priority and a host name, like \"10 mail.prim.sh.\"")
            }
            return nil
        case "SRV":
            guard fields.count == 4, fields[..<3].allSatisfy({ Int($0).map { (0...65535).contains($0) } ?? false }),
                isTarget(fields[3])
            else {
                return Problem(
                    code: "dns-content",
                    message:
                        "SRV content '\(content)' needs priority, weight, port and a target host name, like \"10 5 443 api.prim.sh.\""
                )
            }
            return nil
        case "CAA":
            guard fields.count >= 3, Int(fields[0]).map({ (0...255).contains($0) }) ?? false,
                !fields[1].isEmpty, fields[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }),
                fields[2].hasPrefix("\""), content.hasSuffix("\"")
            else {
                return Problem(
                    code: "dns-content",
                    message:
                        "CAA content '\(content)' needs flags, a tag of letters and digits and a quoted value, like 0 issue \"letsencrypt.org\""
                )
            }
            return nil
        case "CNAME", "NS":
            return fields.count == 1 && isTarget(content) && !content.hasPrefix(".")
                ? nil
                : Problem(
                    code: "dns-content",
                    message: "\(type) content '\(content)' must be one host name, like target.prim.sh.")
        default:
            return nil
        }
    }

    /// TXT content is one or more double-quoted strings of at most 255 bytes each.
    static func txtProblem(_ content: String) -> Problem? {
        var strings: [Int] = []
        var inside = false, escaped = false, length = 0
        for byte in content.utf8 {
            if inside {
                if escaped {
                    escaped = false; length += 1
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inside = false; strings.append(length)
                } else {
                    length += 1
                }
            } else if byte == UInt8(ascii: "\"") {
                inside = true
                length = 0
            } else if byte != UInt8(ascii: " ") {
                return Problem(
                    code: "dns-txt-unquoted",
                    message:
                        "TXT content must be double-quoted, like content: '\"v=spf1 -all\"' (YAML needs the outer single quotes)"
                )
            }
        }
        if inside || strings.isEmpty {
            return Problem(
                code: "dns-txt-unquoted",
                message:
                    "TXT content must be double-quoted, like content: '\"v=spf1 -all\"' (YAML needs the outer single quotes)"
            )
        }
        if let long = strings.first(where: { $0 > 255 }) {
            return Problem(
                code: "dns-txt-too-long",
                message:
                    "a TXT string of \(long) bytes is over DNS's 255; split it into several quoted strings (\"first part\" \"second part\")"
            )
        }
        return nil
    }

    /// Dotted quad, no leading zeros (PowerDNS refuses `010.0.0.1`).
    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCIIDigit) && Int(part)! <= 255
                    && (part.count == 1 || part.first != "0")
            }
    }

    /// RFC 4291 text: eight groups of 1–4 hex digits, or fewer around one `::`; the last two may be a dotted quad.
    static func isIPv6(_ text: String) -> Bool {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        var count = 0
        for (index, half) in halves.enumerated() where !half.isEmpty {
            let groups = half.split(separator: ":", omittingEmptySubsequences: false)
            for (position, group) in groups.enumerated() {
                if index == halves.count - 1, position == groups.count - 1, group.contains(".") {
                    guard isIPv4(String(group)) else { return false }
                    count += 2
                } else {
                    guard (1...4).contains(group.count), group.allSatisfy(\.isHexDigit) else { return false }
                    count += 1
                }
            }
        }
        return halves.count == 2 ? count <= 7 : count == 8
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
