import Foundation
import PrimSystem

/// The testbed's PowerDNS, asked the way an operator would: its HTTP API for what is stored,
/// and `dig` against its DNS port for what it serves.
struct PowerDNSAPI {
    /// `PDNS_API`, `PDNS_API_KEY` and `PDNS_DNS`, as scripts/testbed and scripts/fleet-testbed write them.
    let environment: [String: String]

    init(testbed: Testbed) { environment = testbed.environment }
    init(fleet: Fleet) { environment = fleet.environment }

    var api: String { environment["PDNS_API"]! + "/api/v1/servers/localhost" }
    var key: String { environment["PDNS_API_KEY"]! }
    var dnsServer: String { environment["PDNS_DNS"]! }

    func request(_ method: String, _ path: String, _ body: Any? = nil) throws -> HTTPResponse {
        let bytes = try body.map { [UInt8](try JSONSerialization.data(withJSONObject: $0)) }
        return try HTTPClient.request(
            method, api + path, headers: ["X-API-Key": key, "Content-Type": "application/json"], body: bytes,
            timeout: 10)
    }

    /// Every rrset of a zone: `name/TYPE` → (contents, comment accounts).
    func rrsets(_ zone: String) throws -> [String: (contents: [String], accounts: [String], comments: [String])] {
        let response = try request("GET", "/zones/\(zone).")
        guard response.status == 200,
            let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let sets = json["rrsets"] as? [[String: Any]]
        else { throw TestbedError(message: "cannot read zone \(zone): \(response.text)") }
        var result: [String: (contents: [String], accounts: [String], comments: [String])] = [:]
        for set in sets {
            let name = String((set["name"] as! String).dropLast())
            let records = (set["records"] as? [[String: Any]] ?? []).compactMap { $0["content"] as? String }.sorted()
            let comments = set["comments"] as? [[String: Any]] ?? []
            result["\(name)/\(set["type"] as! String)"] = (
                records, comments.compactMap { $0["account"] as? String },
                comments.compactMap { $0["content"] as? String }
            )
        }
        return result
    }

    func serial(_ zone: String) throws -> Int {
        let response = try request("GET", "/zones/\(zone).")
        let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return json?["serial"] as? Int ?? -1
    }

    /// Writes an rrset directly, as someone other than prim would.
    func replace(_ zone: String, name: String, type: String, contents: [String], ttl: Int = 300) throws {
        let response = try request(
            "PATCH", "/zones/\(zone).",
            [
                "rrsets": [
                    [
                        "name": name + ".", "type": type, "ttl": ttl, "changetype": "REPLACE",
                        "records": contents.map { ["content": $0, "disabled": false] },
                    ]
                ]
            ])
        guard response.status == 204 else {
            throw TestbedError(message: "PowerDNS refused \(name)/\(type): \(response.text)")
        }
    }

    func createZone(_ zone: String) throws {
        let response = try request(
            "POST", "/zones", ["name": zone + ".", "kind": "Native", "nameservers": ["ns1.\(zone)."]])
        guard response.status == 201 else {
            throw TestbedError(message: "cannot create zone \(zone): \(response.text)")
        }
    }

    /// What the server answers for a name (`dig +norecurse +short`).
    func dig(_ name: String, _ type: String = "A") throws -> [String] {
        let parts = dnsServer.split(separator: ":")
        let result = try Command.run(
            "/usr/bin/dig",
            ["@\(parts[0])", "-p", String(parts[1]), "+norecurse", "+short", "+time=2", "+tries=1", name, type])
        return result.stdout.split(separator: "\n").map(String.init).sorted()
    }
}
