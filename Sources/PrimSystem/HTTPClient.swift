import CLibCurl
import CShims

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// An HTTP response: status and body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    /// Response headers of the final answer, names lower-cased; a repeated header's values joined with ", ".
    public var headers: [String: String] = [:]
    /// Interim (1xx) answers sent before this one, such as 103 Early Hints.
    public var interim: [Int] = []
    public var text: String { String(decoding: body, as: UTF8.self) }

    public init(status: Int, body: [UInt8], headers: [String: String] = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
    }
}

/// Blocking HTTP over libcurl, for the Caddy admin API, DNS APIs and health checks.
public enum HTTPClient {
    static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        return true
    }()

    final class Sink {
        var bytes: [UInt8] = []
        var headers: [String: String] = [:]
        /// The status of every answer's status line, in order (interim ones, then the final one).
        var statuses: [Int] = []
        /// Set once body bytes arrive, or the final answer's headers end: header lines after that
        /// are trailers, not the answer's headers.
        var bodyStarted = false
        var headersDone = false
        /// Bytes of body kept at most; past it the transfer stops (the answer so far is returned).
        var limit = Int.max
        var truncated = false
    }

    /// Sends one request to an address as `HTTPAddress` reads it (a URL, or `unix:<socket>` and a path).
    public static func request(
        _ method: String, _ address: HTTPAddress, _ path: String, headers: [String: String] = [:], body: [UInt8]? = nil,
        timeout: Double = 10
    ) throws -> HTTPResponse {
        try request(
            method, address.base + path, headers: headers, body: body, timeout: timeout, unixSocket: address.socket)
    }

    /// Sends one request. Connection failures and timeouts throw a transient error. `caFile` is a PEM
    /// file of the authorities an https server's certificate must chain to, in place of the system's.
    /// With `unixSocket`, the request goes over that socket with an empty `Host` header (as Caddy's
    /// admin API wants on a socket). With `maxBodyBytes`, a longer body is cut there and the
    /// transfer stopped: a server cannot make the caller hold more (the status and headers stand).
    ///
    /// Loopback is never proxied; the environment's `no_proxy` is kept for the rest.
    static let noProxy: String = {
        let environment = ProcessInfo.processInfo.environment
        let inherited = environment["no_proxy"] ?? environment["NO_PROXY"] ?? ""
        return (["localhost", "127.0.0.0/8", "::1"] + inherited.split(separator: ",").map(String.init)).joined(
            separator: ",")
    }()
    public static func request(
        _ method: String, _ url: String, headers: [String: String] = [:], body: [UInt8]? = nil, timeout: Double = 10,
        caFile: String? = nil, unixSocket: String? = nil, maxBodyBytes: Int? = nil
    ) throws -> HTTPResponse {
        _ = initialized
        guard let handle = curl_easy_init() else { throw SystemError("cannot start libcurl", class: .transient) }
        defer { curl_easy_cleanup(handle) }
        let sink = Sink()
        if let maxBodyBytes { sink.limit = maxBodyBytes }
        let context = Unmanaged.passUnretained(sink).toOpaque()
        prim_curl_set_string(handle, CURLOPT_URL, url)
        prim_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, method)
        prim_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        prim_curl_set_long(handle, CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
        prim_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(min(timeout, 5) * 1000))
        // A proxy from the environment (http_proxy) is never used for this host's own addresses:
        // a gate must reach the prim on this machine, not whatever the proxy finds at 127.0.0.1.
        prim_curl_set_string(handle, CURLOPT_NOPROXY, Self.noProxy)
        if method == "HEAD" { prim_curl_set_long(handle, CURLOPT_NOBODY, 1) }
        if let caFile { prim_curl_set_string(handle, CURLOPT_CAINFO, caFile) }
        if let unixSocket { prim_curl_set_string(handle, CURLOPT_UNIX_SOCKET_PATH, unixSocket) }
        prim_curl_set_write(
            handle,
            { data, size, count, context in
                let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
                let length = size * count
                sink.bodyStarted = true
                guard sink.bytes.count + length <= sink.limit else {
                    sink.truncated = true
                    return 0
                }
                if let data { sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length)) }
                return length
            }, context)
        prim_curl_set_header(
            handle,
            { data, size, count, context in
                let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
                let length = size * count
                if let data, !sink.bodyStarted, !sink.headersDone {
                    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
                    if line == "\r\n" || line == "\n" {
                        // The blank line ends an answer's headers; after a final answer's, what comes is body and trailers.
                        if let last = sink.statuses.last, !(100...199).contains(last) { sink.headersDone = true }
                    } else if let status = HTTPClient.statusLine(line) {
                        // A status line starts an answer: an interim one's (1xx) headers are not the final one's.
                        sink.statuses.append(status)
                        sink.headers = [:]
                    } else if let colon = line.firstIndex(of: ":") {
                        // A header sent twice is one list of values (RFC 9110 5.3), so neither copy passes for the whole.
                        let name = line[..<colon].lowercased(),
                            value = line[line.index(after: colon)...].trimmingWhitespace
                        sink.headers[name] = sink.headers[name].map { "\($0), \(value)" } ?? value
                    }
                }
                return length
            }, context)
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            list = curl_slist_append(list, "\(name): \(value)")
        }
        if unixSocket != nil { list = curl_slist_append(list, "Host;") }
        defer { curl_slist_free_all(list) }
        if let list { prim_curl_set_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list)) }
        let payload = body ?? []
        let code: CURLcode = payload.withUnsafeBufferPointer { buffer in
            if body != nil {
                prim_curl_set_long(handle, CURLOPT_POSTFIELDSIZE, buffer.count)
                prim_curl_set_pointer(
                    handle, CURLOPT_POSTFIELDS,
                    UnsafeMutableRawPointer(mutating: buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!))
            }
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK || (code == CURLE_WRITE_ERROR && sink.truncated) else {
            throw SystemError(
                "\(method) \(url) failed: \(String(cString: curl_easy_strerror(code)))", class: .transient)
        }
        var status = 0
        prim_curl_info_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var response = HTTPResponse(status: status, body: sink.bytes, headers: sink.headers)
        response.interim = sink.statuses.dropLast().filter { (100...199).contains($0) }
        return response
    }

    /// The status of a status line (`HTTP/1.1 402 Payment Required`, `HTTP/2 200`); nil for a
    /// header line, even one whose name starts with `HTTP/`.
    static func statusLine(_ line: String) -> Int? {
        let utf8 = Array(line.utf8)
        guard utf8.starts(with: Array("HTTP/".utf8)) else { return nil }
        var index = 5
        while index < utf8.count, (0x30...0x39).contains(utf8[index]) || utf8[index] == UInt8(ascii: ".") { index += 1 }
        guard index > 5, index + 4 <= utf8.count, utf8[index] == UInt8(ascii: " ") else { return nil }
        let code = utf8[(index + 1)...(index + 3)]
        guard code.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        guard
            index + 4 == utf8.count
                || [UInt8(ascii: " "), UInt8(ascii: "\r"), UInt8(ascii: "\n")].contains(utf8[index + 4])
        else { return nil }
        return Int(String(decoding: code, as: UTF8.self))
    }
}

/// Where an HTTP API listens: `http(s)://host:port`, or `unix:/path/to.sock` for a unix socket.
public struct HTTPAddress: Sendable, Equatable, CustomStringConvertible {
    /// The URL requests are built on (`http://localhost` for a socket).
    public var base: String
    public var socket: String?

    public init(_ text: String) {
        if text.hasPrefix("unix:") {
            base = "http://localhost"
            socket = String(text.dropFirst(5))
        } else {
            base = text.hasSuffix("/") ? String(text.dropLast()) : text
            socket = nil
        }
    }

    public var description: String { socket.map { "unix:\($0)" } ?? base }
}
