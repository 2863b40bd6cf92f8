import PrimEngine
import PrimModel
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Writes route fragments and loads Caddy's config through its admin API:
/// every config is checked with `/adapt` before anything is written, then loaded with one `/load`.
public struct CaddyExecutor: RouteExecutor {
    public let admin: HTTPAddress
    public let header: String
    public let fragmentDir: String
    public let mainFile: String?
    let host: HostConfig

    public init(config: HostConfig) throws {
        host = config
        admin = HTTPAddress(config.caddyAdmin)
        fragmentDir = config.caddyFragmentDir
        mainFile = config.caddyMain
        guard let bytes = try FileReader.bytes(config.caddyHeader) else {
            throw SystemError(
                "the Caddyfile header '\(config.caddyHeader)' does not exist; install deploy/Caddyfile.header there or set caddy.header in the host config"
            )
        }
        header = String(decoding: bytes, as: UTF8.self)
    }

    public func write(_ path: String, content: String) throws {
        try AtomicFile.write(Array(content.utf8), to: path, mode: 0o644)
    }

    public func remove(_ path: String) throws {
        try AtomicFile.remove(path)
    }

    public func compose(fragments: [String]) -> String {
        ([header] + fragments).joined(separator: "\n") + "\n" + host.caddyOperatorImports
    }

    public func check(_ config: String) throws {
        let response = try post("/adapt", config)
        guard response.status == 200 else {
            throw SystemError(
                "Caddy rejected the new config, so nothing was written: \(Self.message(response)); fix the prim's deploy.extra_caddy, the Caddyfile header or a file of caddy.import"
            )
        }
    }

    public func load(_ config: String) throws {
        let response = try post("/load", config)
        guard response.status == 200 else {
            throw SystemError("Caddy did not load the config: \(Self.message(response))")
        }
        // Written once Caddy took the config: a load that failed leaves the file as it was, so
        // the next plan still sees it stale and loads again.
        if let mainFile {
            try AtomicFile.write(Array(host.caddyMainText(header: header).utf8), to: mainFile, mode: 0o644)
        }
        if let live = host.tls?.paths.live {
            try AtomicFile.write(
                Array(CaddyObserver.certificatesDigest(live).utf8), to: host.paths.caddyCertificates, mode: 0o644)
        }
    }

    func post(_ path: String, _ config: String) throws -> HTTPResponse {
        // With prim's own certificates, `must-revalidate`: Caddy loads even a config equal to its
        // running one, and so reads the certificate files again (a renewal changes a file, not the config).
        var headers = ["Content-Type": "text/caddyfile"]
        if host.tls != nil { headers["Cache-Control"] = "must-revalidate" }
        do {
            return try HTTPClient.request("POST", admin, path, headers: headers, body: Array(config.utf8), timeout: 30)
        } catch {
            throw SystemError("cannot reach Caddy's admin API at \(admin): \(error)", class: .transient)
        }
    }

    static func message(_ response: HTTPResponse) -> String {
        if let error = JSONValue.parse(response.body)?["error"]?.string {
            return error
        }
        return "HTTP \(response.status) \(response.text)"
    }
}

extension CaddyExecutor {
    /// What an apply drives Caddy with: the host's driver when one is given (a test's fake), else Caddy itself.
    static func of(_ apply: ApplyContext) throws -> any RouteExecutor {
        try apply.host.drivers.routes ?? CaddyExecutor(config: apply.host.config)
    }
}
