import PrimModel
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// An ACME client (RFC 8555) over libcurl: the directory, nonces (a `badNonce` answer is retried
/// with the nonce it carries), the account, an order's authorizations and DNS-01 challenges,
/// finalize with a CSR, and the chain. The TXT records are not its job: `issue` hands them to
/// `present` (prim writes them through its own DNS kind, with its ownership and payments) and
/// `cleanup` runs whatever happened.
public final class ACMEClient {
    public let directoryURL: String
    let key: AccountKey
    /// The CA's own TLS authority (a test CA's), or nil for the system's.
    let caFile: String?
    var directory: Directory?
    var nonce: String?
    public private(set) var accountURL: String?
    /// Seconds to wait between polls when the CA gives no `Retry-After`, and the longest an order may take.
    public var pollSeconds = 1.0
    public var orderTimeout = 120.0
    /// `badNonce` refusals retried so far (a CA may refuse a good nonce; RFC 8555 §6.5).
    public private(set) var badNonceRetries = 0

    public init(directoryURL: String, key: AccountKey, caFile: String? = nil) {
        self.directoryURL = directoryURL
        self.key = key
        self.caFile = caFile
    }

    public struct Directory: Decodable, Sendable {
        public var newNonce: String
        public var newAccount: String
        public var newOrder: String
        public var renewalInfo: String?
    }

    /// An error document of the CA (RFC 7807), named in the error people read.
    public struct Problem: Decodable, Error, Sendable, CustomStringConvertible {
        public var type: String
        public var detail: String?
        public var status: Int?
        public var subproblems: [Subproblem]?

        public struct Subproblem: Decodable, Sendable {
            public var type: String
            public var detail: String?
        }

        public var description: String {
            let prefix = "urn:ietf:params:acme:error:"
            let short = type.hasPrefix(prefix) ? String(type.dropFirst(prefix.count)) : type
            let more = (subproblems ?? []).map { "\($0.type.split(separator: ":").last ?? ""): \($0.detail ?? "")" }
            return ([("the CA answered \(short)" + (detail.map { ": \($0)" } ?? ""))] + more).joined(separator: "; ")
        }
    }

    public struct Identifier: Codable, Sendable, Equatable {
        public var type = "dns"
        public var value: String
    }

    public struct Order: Decodable, Sendable {
        public var status: String
        public var identifiers: [Identifier]
        public var authorizations: [String]
        public var finalize: String
        public var certificate: String?
        public var error: Problem?
    }

    public struct Authorization: Decodable, Sendable {
        public var identifier: Identifier
        public var status: String
        public var wildcard: Bool?
        public var challenges: [Challenge]
    }

    public struct Challenge: Decodable, Sendable {
        public var type: String
        public var url: String
        public var token: String
        public var status: String
        public var error: Problem?
    }

    /// A TXT record a DNS-01 challenge asks for: `_acme-challenge.<name>` = `value`. A wildcard
    /// and its apex share the name: both values must be served at once.
    public struct TXTRecord: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    // MARK: - Requests

    func loadDirectory() throws -> Directory {
        if let directory { return directory }
        let response = try send("GET", directoryURL, body: nil)
        guard response.status == 200, let found = try? JSONDecoder().decode(Directory.self, from: Data(response.body))
        else {
            throw SystemError("\(directoryURL) is not an ACME directory (HTTP \(response.status))", class: .transient)
        }
        directory = found
        return found
    }

    func send(_ method: String, _ url: String, body: [UInt8]?) throws -> HTTPResponse {
        do {
            return try HTTPClient.request(
                method, url, headers: body == nil ? [:] : ["Content-Type": "application/jose+json"], body: body,
                timeout: 30, caFile: caFile)
        } catch {
            throw SystemError("cannot reach the ACME server at \(url): \(error)", class: .transient)
        }
    }

    func freshNonce() throws -> String {
        if let nonce {
            self.nonce = nil
            return nonce
        }
        let response = try send("HEAD", try loadDirectory().newNonce, body: nil)
        guard let fresh = response.headers["replay-nonce"] else {
            throw SystemError("the ACME server gave no Replay-Nonce", class: .transient)
        }
        return fresh
    }

    /// A signed POST (`payload` nil: POST-as-GET). A `badNonce` refusal is sent again, up to 15
    /// times, with the nonce it carried; any other problem document is thrown as it is.
    func post(_ url: String, payload: [UInt8]?) throws -> HTTPResponse {
        for _ in 0..<15 {
            let body = try JWS.body(payload: payload, url: url, nonce: try freshNonce(), key: key, kid: accountURL)
            let response = try send("POST", url, body: body)
            nonce = response.headers["replay-nonce"]
            if response.status < 400 { return response }
            let problem = try? JSONDecoder().decode(Problem.self, from: Data(response.body))
            if problem?.type == "urn:ietf:params:acme:error:badNonce" {
                badNonceRetries += 1
                continue
            }
            if let problem { throw problem }
            throw SystemError("the ACME server answered \(response.status) to \(url): \(response.text.prefix(200))")
        }
        throw SystemError("the ACME server refused 15 nonces in a row", class: .transient)
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse, _ what: String) throws -> T {
        guard let value = try? JSONDecoder().decode(type, from: Data(response.body)) else {
            throw SystemError("the ACME server's \(what) is not what RFC 8555 describes: \(response.text.prefix(200))")
        }
        return value
    }

    // MARK: - The flow

    /// Registers the account (or finds it: an existing key answers 200), agreeing to the CA's terms.
    @discardableResult
    public func account(contact: [String] = []) throws -> String {
        if let accountURL { return accountURL }
        struct NewAccount: Encodable {
            var termsOfServiceAgreed = true
            var contact: [String]
        }
        let response = try post(
            try loadDirectory().newAccount, payload: Array(try PrimJSON.wire().encode(NewAccount(contact: contact))))
        guard let location = response.headers["location"] else {
            throw SystemError("the ACME server made the account but named no URL for it")
        }
        accountURL = location
        return location
    }

    /// Orders a certificate for `names`, has every DNS-01 challenge answered (the records through
    /// `present`, removed by `cleanup` in every case), finalizes with `request` and returns the
    /// chain as PEM.
    public func issue(
        _ request: SigningRequest,
        present: ([TXTRecord]) throws -> Void,
        cleanup: ([TXTRecord]) -> Void
    ) throws -> String {
        try account()
        struct NewOrder: Encodable { var identifiers: [Identifier] }
        let created = try post(
            try loadDirectory().newOrder,
            payload: Array(
                try PrimJSON.wire().encode(NewOrder(identifiers: request.names.map { Identifier(value: $0) }))))
        guard let orderURL = created.headers["location"] else {
            throw SystemError("the ACME server made the order but named no URL for it")
        }
        var order = try decode(Order.self, created, "order")

        // Each pending authorization's DNS-01 challenge and the record it asks for.
        var pending: [(authorization: String, challenge: Challenge)] = []
        var records: [TXTRecord] = []
        for url in order.authorizations {
            let authorization = try decode(Authorization.self, try post(url, payload: nil), "authorization")
            if authorization.status == "valid" { continue }
            guard let challenge = authorization.challenges.first(where: { $0.type == "dns-01" }) else {
                throw SystemError(
                    "the CA offers no DNS-01 challenge for \(authorization.identifier.value); prim validates by DNS only"
                )
            }
            pending.append((url, challenge))
            records.append(
                TXTRecord(
                    name: "_acme-challenge.\(authorization.identifier.value)", value: key.dns01Value(challenge.token)))
        }
        if !records.isEmpty {
            defer { cleanup(records) }
            try present(records)
            for (_, challenge) in pending { _ = try post(challenge.url, payload: Array("{}".utf8)) }
            for (url, _) in pending {
                let authorization = try poll(url, as: Authorization.self, until: ["valid", "invalid"])
                guard authorization.status == "valid" else {
                    let why = authorization.challenges.compactMap(\.error).first.map { "\($0)" } ?? "no reason given"
                    throw SystemError("the CA could not validate \(authorization.identifier.value): \(why)")
                }
            }
        }
        order = try poll(orderURL, as: Order.self, until: ["ready", "valid", "invalid"])
        if order.status == "ready" {
            struct Finalize: Encodable { var csr: String }
            _ = try post(
                order.finalize,
                payload: Array(try PrimJSON.wire().encode(Finalize(csr: Base64URL.encode(try request.der())))))
            order = try poll(orderURL, as: Order.self, until: ["valid", "invalid"])
        }
        guard order.status == "valid", let certificate = order.certificate else {
            throw SystemError("the order failed: \(order.error.map { "\($0)" } ?? order.status)")
        }
        return try post(certificate, payload: nil).text
    }

    /// POST-as-GET `url` until its `status` is one of `final`, waiting `Retry-After` (or
    /// `pollSeconds`) between reads, for at most `orderTimeout`.
    struct Status: Decodable { var status: String }

    func poll<T: Decodable>(_ url: String, as type: T.Type, until final: Set<String>) throws -> T {
        let deadline = Date().addingTimeInterval(orderTimeout)
        while true {
            let response = try post(url, payload: nil)
            let status = try decode(Status.self, response, "status")
            if final.contains(status.status) { return try decode(type, response, "object") }
            guard Date() < deadline else {
                throw SystemError("the CA left \(url) \(status.status) for \(Int(orderTimeout)) s", class: .transient)
            }
            let wait = response.headers["retry-after"].flatMap(Double.init) ?? pollSeconds
            usleep(UInt32(min(max(wait, 0.05), 30) * 1_000_000))
        }
    }
}
