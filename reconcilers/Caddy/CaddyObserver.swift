import PrimModel
import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Observes prim's routes: fragment files, and the sites in Caddy's running config.
public struct CaddyObserver {
    public let fragmentDir: String
    public let admin: HTTPAddress
    let config: HostConfig

    public init(config: HostConfig) {
        self.config = config
        fragmentDir = config.caddyFragmentDir
        admin = HTTPAddress(config.caddyAdmin)
    }

    /// Attribute of the running config set when the main Caddyfile (`caddy.main`) is not what the
    /// header and `caddy.import` compose today: the operator edited one of them since the last load.
    public static let staleMain = "main-caddyfile-stale"

    /// Attribute of the running config set when the certificates Caddy loads (`tls.store`'s `live/`)
    /// are not those it read at the last load (a renewal written by an apply that died before the load).
    public static let staleCertificates = "certificates-stale"

    /// prim's route fragments.
    public func fragments() throws -> [ObservedResource] {
        try FileReader.names(in: fragmentDir, suffix: ".caddy").compactMap { name -> ObservedResource? in
            guard let bytes = try FileReader.bytes("\(fragmentDir)/\(name)") else { return nil }
            let text = String(decoding: bytes, as: UTF8.self)
            return ObservedResource(
                address: ResourceAddress(.caddyFragment, name), path: "\(fragmentDir)/\(name)", content: text,
                digest: Digest.sha256(bytes),
                owned: text.hasPrefix(ResourceNames.ownershipMarker),
                prim: ResourceNames.prim(ofFile: name, suffix: ".caddy"))
        }
    }

    /// Caddy's running config, as the sites it serves.
    public func running() throws -> ObservedResource {
        let sites = try runningSites()
        var resource = ObservedResource(
            address: ResourceNames.caddyConfig, path: admin.description, content: nil, digest: "",
            keys: sites.sorted())
        if let main = config.caddyMain, let header = try? FileReader.bytes(config.caddyHeader) {
            let written = (try? FileReader.bytes(main)).map { String(decoding: $0, as: UTF8.self) }
            if written != config.caddyMainText(header: String(decoding: header, as: UTF8.self)) {
                resource.attributes[Self.staleMain] = "yes"
            }
        }
        if let live = config.tls?.paths.live,
            (try? FileReader.bytes(config.paths.caddyCertificates)).flatMap({ $0 }).map({
                String(decoding: $0, as: UTF8.self)
            }) != Self.certificatesDigest(live)
        {
            resource.attributes[Self.staleCertificates] = live
        }
        return resource
    }

    /// A digest of every certificate file Caddy loads from `live` (their names and contents).
    public static func certificatesDigest(_ live: String) -> String {
        let text = FileReader.names(in: live, suffix: ".pem").sorted().map { name in
            "\(name) \((try? FileReader.bytes("\(live)/\(name)")).flatMap { $0 }.map { Digest.sha256($0) } ?? "")"
        }.joined(separator: "\n")
        return Digest.sha256(text)
    }

    /// Host names the running config routes, from the admin API.
    public func runningSites() throws -> Set<String> {
        let response: HTTPResponse
        do {
            response = try HTTPClient.request("GET", admin, "/config/apps/http/servers", timeout: 5)
        } catch {
            throw SystemError(
                "cannot reach Caddy's admin API at \(admin): \(error); start Caddy or fix caddy.admin in the host config",
                class: .transient)
        }
        // A Caddy with no HTTP app yet (a fresh host: the header holds only global options and
        // snippets) has no such path: it serves no site, which is an observation, not an error.
        if response.status == 400 && response.text.contains("invalid traversal path") { return [] }
        guard response.status == 200 else {
            throw SystemError(
                "Caddy's admin API answered \(response.status) for /config/apps/http/servers: \(response.text)",
                class: .transient)
        }
        return Self.sites(inServersJSON: response.body)
    }

    /// Collects every `match[].host[]` of every route of every server.
    static func sites(inServersJSON body: [UInt8]) -> Set<String> {
        guard let servers = JSONValue.parse(body) else { return [] }
        var sites = Set<String>()
        func walk(_ value: JSONValue) {
            switch value {
            case .object(let fields):
                if case .array(let hosts)? = fields["host"] { sites.formUnion(hosts.compactMap(\.string)) }
                fields.values.forEach(walk)
            case .array(let items):
                items.forEach(walk)
            default:
                break
            }
        }
        walk(servers)
        return sites
    }
}
