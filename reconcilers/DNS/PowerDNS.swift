import PrimModel
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// PowerDNS Authoritative's HTTP API (4.7): a zone is read whole with one GET and changed with
/// one PATCH, a transaction that applies every rrset or none. prim marks what it writes with an
/// rrset comment of account `prim`; a REPLACE always sends it (one without comments keeps old ones).
public struct PowerDNS: DNSProvider {
    public let api: String
    let key: String
    public var retry = DNSRetry()

    public init(api: String, keyFile: String?) throws {
        self.api = api.hasSuffix("/") ? String(api.dropLast()) : api
        guard let keyFile else {
            throw SystemError(
                "dns.api_key_file is not set in the host config; point it at a file holding PowerDNS's API key")
        }
        guard let bytes = try FileReader.bytes(keyFile) else {
            throw SystemError(
                "dns.api_key_file '\(keyFile)' does not exist; write PowerDNS's API key there (mode 0600)")
        }
        key = String(decoding: bytes, as: UTF8.self).trimmed
    }

    struct Zone: Decodable {
        var rrsets: [Set]
        struct Set: Decodable {
            var name: String
            var type: String
            var ttl: Int
            var records: [Record]
            var comments: [Comment]
        }
        struct Record: Codable {
            var content: String
            var disabled: Bool
        }
        struct Comment: Codable {
            var content: String
            var account: String
        }
    }

    struct Patch: Encodable {
        var rrsets: [Change]
        struct Change: Encodable {
            var name: String
            var type: String
            var ttl: Int?
            var changetype: String
            var records: [Zone.Record]?
            var comments: [Zone.Comment]?
        }
    }

    func path(_ zone: String) -> String {
        "/api/v1/servers/localhost/zones/\(zone.trimmingDot)."
    }

    public func zones() throws -> [String] {
        let response = try retry.run("GET zones from PowerDNS") {
            try HTTPClient.request(
                "GET", api + "/api/v1/servers/localhost/zones", headers: ["X-API-Key": key], timeout: 5)
        }
        guard response.status == 200 else {
            throw SystemError(
                "PowerDNS answered \(response.status) for its zone list: \(Self.message(response))",
                class: response.status == 401 || response.status == 403 ? .stalled : .transient)
        }
        struct Zone: Decodable { var name: String }
        guard let zones = try? JSONDecoder().decode([Zone].self, from: Data(response.body)) else {
            throw SystemError("PowerDNS's zone list is not the JSON of API v1", class: .transient)
        }
        return zones.map { $0.name.lowercased().trimmingDot }
    }

    public func list(zone: String) throws -> [RRset] {
        let response = try retry.run("GET zone \(zone) from PowerDNS") {
            try HTTPClient.request("GET", api + path(zone), headers: ["X-API-Key": key], timeout: 5)
        }
        switch response.status {
        case 200: break
        case 404, 422:
            throw SystemError(
                "zone \(zone) does not exist on PowerDNS at \(api); create it there (POST /api/v1/servers/localhost/zones) or fix dns/\(zone).yaml"
            )
        case 401, 403:
            throw SystemError(
                "PowerDNS at \(api) refused the API key (HTTP \(response.status)); check dns.api_key_file in the host config"
            )
        default:
            throw SystemError(
                "PowerDNS answered \(response.status) for zone \(zone): \(Self.message(response))", class: .transient)
        }
        let decoded: Zone
        do {
            decoded = try JSONDecoder().decode(Zone.self, from: Data(response.body))
        } catch {
            throw SystemError(
                "PowerDNS's answer for zone \(zone) is not the zone JSON of API v1: \(error)", class: .transient)
        }
        return decoded.rrsets.map { set in
            RRset(
                name: set.name, type: set.type, ttl: set.ttl,
                contents: set.records.filter { !$0.disabled }.map(\.content),
                marker: set.comments.first { $0.account == DNSMarker.account }?.content)
        }
    }

    public func apply(zone: String, _ batch: DNSBatch) throws {
        guard !batch.isEmpty else { return }
        var changes = batch.deletes.map { Patch.Change(name: $0.name + ".", type: $0.type, changetype: "DELETE") }
        changes += batch.replaces.map { set in
            Patch.Change(
                name: set.name + ".", type: set.type, ttl: set.ttl, changetype: "REPLACE",
                records: set.contents.map { Zone.Record(content: $0, disabled: false) },
                comments: batch.keepMarks.contains(set.address.name)
                    ? nil
                    : batch.markers[set.address.name].map { [Zone.Comment(content: $0, account: DNSMarker.account)] }
                        ?? [])
        }
        let body = [UInt8](try PrimJSON.wire().encode(Patch(rrsets: changes)))
        // A PATCH is one transaction of idempotent REPLACEs and DELETEs: sending it again is safe.
        let response = try retry.run("PATCH zone \(zone) on PowerDNS") {
            try HTTPClient.request(
                "PATCH", api + path(zone), headers: ["X-API-Key": key, "Content-Type": "application/json"], body: body,
                timeout: 20)
        }
        switch response.status {
        case 200, 204: return
        case 422, 400:
            throw SystemError(
                "PowerDNS rejected the change to zone \(zone), so nothing in it changed: \(Self.message(response)); fix the record in dns/\(zone).yaml (or the prim's endpoint)"
            )
        default:
            throw SystemError(
                "PowerDNS answered \(response.status) to the change of zone \(zone): \(Self.message(response))",
                class: .transient)
        }
    }

    /// Makes `zone` at PowerDNS (kind Native, served from its own backend) with `nameservers` as
    /// its NS records; false when it already exists (nothing is changed then).
    public func createZone(_ zone: String, nameservers: [String]) throws -> Bool {
        let name = zone.lowercased().trimmingDot
        if try zones().contains(name) { return false }
        struct NewZone: Encodable {
            var name: String
            var kind = "Native"
            var nameservers: [String]
        }
        let body = [UInt8](
            try PrimJSON.wire().encode(NewZone(name: name + ".", nameservers: nameservers.map { $0.trimmingDot + "." }))
        )
        let response = try HTTPClient.request(
            "POST", api + "/api/v1/servers/localhost/zones",
            headers: ["X-API-Key": key, "Content-Type": "application/json"], body: body, timeout: 20)
        switch response.status {
        case 201: return true
        case 409: return false  // made by someone else since the list
        default: throw SystemError("PowerDNS did not create zone \(name): \(Self.message(response))")
        }
    }

    static func message(_ response: HTTPResponse) -> String {
        JSONValue.parse(response.body)?["error"]?.string ?? "HTTP \(response.status) \(response.text.prefix(200))"
    }
}
