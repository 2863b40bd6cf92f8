#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PrimYAML

/// What a zone file may declare: names inside the zone, content each type's server accepts,
/// no CNAME beside other data, and a zone for every deployed prim's endpoint.
enum DNSRules {
    static func check(_ state: DesiredState, log: DiagnosticLog) {
        var types: [String: [(type: String, file: String, mark: Mark)]] = [:]
        for zone in state.zones {
            for record in zone.records {
                let name = zone.absolute(record.name)
                if !zone.contains(name) {
                    log.error(zone.file, record.mark(of: "name"), "dns-out-of-zone",
                              "record name '\(record.name)' is \(name), outside zone \(zone.apex); use a name relative to the zone, or '@' for the apex")
                    continue
                }
                if record.ttl < 1 || record.ttl > 2_147_483_647 {
                    log.error(zone.file, record.mark(of: "ttl"), "dns-ttl", "ttl \(record.ttl) is out of range; use seconds between 1 and 2147483647 (300 is the default)")
                }
                if record.type == "CNAME", name == zone.apex {
                    log.error(zone.file, record.mark(of: "type"), "dns-cname-apex",
                              "a CNAME cannot stand at the zone's apex (\(zone.apex)), which holds its SOA and NS; use A/AAAA records there")
                }
                if let problem = contentProblem(record.type, record.content) {
                    log.error(zone.file, record.mark(of: "content"), problem.code, problem.message)
                }
                types[name, default: []].append((record.type, zone.file, record.mark(of: "type")))
            }
        }
        for prim in state.prims where prim.isDeployed {
            guard let host = state.host(for: prim) else { continue }
            let endpoint = host.endpoint(for: prim).lowercased()
            let origin = prim.origin(prim.endpoint == nil ? "id" : "endpoint")
            if !state.zones.isEmpty, state.zone(containing: endpoint) == nil {
                log.error(origin.file, origin.mark, "dns-no-zone",
                          "endpoint '\(endpoint)' of prim '\(prim.id)' is in no zone of dns/ (\(state.zones.map(\.apex).joined(separator: ", "))); add dns/<zone>.yaml for it or choose an endpoint in a declared zone")
            }
            if let taken = types[endpoint]?.first(where: { ["A", "AAAA", "CNAME"].contains($0.type) }) {
                log.error(origin.file, origin.mark, "dns-endpoint-taken",
                          "endpoint '\(endpoint)' of prim '\(prim.id)' already has a \(taken.type) record at \(taken.file):\(taken.mark.line):\(taken.mark.column); a prim's endpoint must be a name the zone file does not point anywhere — choose another endpoint")
            }
            types[endpoint, default: []].append(("A", origin.file, origin.mark))
        }
        for (name, entries) in types.sorted(by: { $0.key < $1.key }) {
            let cnames = entries.filter { $0.type == "CNAME" }
            guard let cname = cnames.first, entries.count > 1 else { continue }
            let others = entries.filter { $0.type != "CNAME" }.map(\.type)
            let what = others.isEmpty ? "\(cnames.count) CNAME records" : "a CNAME beside \(Set(others).sorted().joined(separator: ", "))"
            log.error(cname.file, cname.mark, "dns-cname-conflict",
                      "\(name) has \(what); a CNAME must be the only record at its name (a prim's endpoint has A records): remove one, or move it to another name")
        }
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
            return isIPv4(content) ? nil : Problem(code: "dns-content", message: "A content '\(content)' is not an IPv4 address like 203.0.113.10")
        case "AAAA":
            return isIPv6(content) ? nil : Problem(code: "dns-content", message: "AAAA content '\(content)' is not an IPv6 address like 2001:db8::10")
        case "TXT":
            return txtProblem(content)
        case "MX":
            guard fields.count == 2, let priority = Int(fields[0]), (0...65535).contains(priority) else {
                return Problem(code: "dns-mx-priority", message: "MX content '\(content)' needs a priority and a host, like \"10 mail.prim.sh.\"")
            }
            return nil
        case "SRV":
            guard fields.count == 4, fields[..<3].allSatisfy({ Int($0).map { (0...65535).contains($0) } ?? false }) else {
                return Problem(code: "dns-content", message: "SRV content '\(content)' needs priority, weight, port and target, like \"10 5 443 api.prim.sh.\"")
            }
            return nil
        case "CAA":
            guard fields.count >= 3, Int(fields[0]).map({ (0...255).contains($0) }) ?? false, fields[2].hasPrefix("\"") else {
                return Problem(code: "dns-content", message: "CAA content '\(content)' needs flags, a tag and a quoted value, like 0 issue \"letsencrypt.org\"")
            }
            return nil
        case "CNAME", "NS":
            return fields.count == 1 && !content.contains("\"") ? nil
                : Problem(code: "dns-content", message: "\(type) content '\(content)' must be one host name, like target.prim.sh.")
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
                if escaped { escaped = false; length += 1 }
                else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inside = false; strings.append(length) }
                else { length += 1 }
            } else if byte == UInt8(ascii: "\"") {
                inside = true
                length = 0
            } else if byte != UInt8(ascii: " ") {
                return Problem(code: "dns-txt-unquoted", message: "TXT content must be double-quoted, like content: '\"v=spf1 -all\"' (YAML needs the outer single quotes)")
            }
        }
        if inside || strings.isEmpty {
            return Problem(code: "dns-txt-unquoted", message: "TXT content must be double-quoted, like content: '\"v=spf1 -all\"' (YAML needs the outer single quotes)")
        }
        if let long = strings.first(where: { $0 > 255 }) {
            return Problem(code: "dns-txt-too-long", message: "a TXT string of \(long) bytes is over DNS's 255; split it into several quoted strings (\"first part\" \"second part\")")
        }
        return nil
    }

    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCIIDigit) && Int(part)! <= 255
        }
    }

    static func isIPv6(_ text: String) -> Bool {
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        guard text.contains(":"), groups.count >= 3, groups.count <= 8 || (groups.count == 9 && text.contains("::")) else { return false }
        guard text.components(separatedBy: "::").count <= 2 else { return false }
        return groups.allSatisfy { $0.count <= 4 && $0.allSatisfy(\.isHexDigit) }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
