import Foundation

/// Connections that each send the start of a request and never finish it (a slowloris), held open
/// until `close()`. Loopback only; a bounded count.
final class SlowClients {
    private(set) var sockets: [Int32] = []

    /// Opens up to `count` connections to 127.0.0.1:`port`, each sending `prefix`.
    init(count: Int, port: Int, prefix: String = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") {
        precondition(count <= 5000)
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { break }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else { Glibc.close(fd); continue }
            _ = prefix.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            sockets.append(fd)
        }
    }

    deinit { close() }

    /// How many of the connections the server has closed (a read sees the end, or an error).
    func closedByServer() -> Int {
        sockets.filter { fd in
            var byte: UInt8 = 0
            let got = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
            return got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        }.count
    }

    func close() {
        for fd in sockets { Glibc.close(fd) }
        sockets = []
    }

    /// Sends one request whose headers are `bytes` long and returns what the server did within
    /// `seconds`: its status line, "closed", or "no answer".
    static func hugeHeader(port: Int, bytes: Int, seconds: Int) -> String {
        let clients = SlowClients(count: 1, port: port, prefix: "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
        guard let fd = clients.sockets.first else { return "no connection" }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 64 * 1024)
        var sent = 0
        while sent < bytes {
            let n = send(fd, chunk, min(chunk.count, bytes - sent), Int32(MSG_NOSIGNAL))
            if n <= 0 { break }
            sent += n
        }
        _ = "\r\n\r\n".withCString { send(fd, $0, 4, Int32(MSG_NOSIGNAL)) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let got = recv(fd, &buffer, buffer.count, 0)
        if got > 0 {
            return String(decoding: buffer[..<got], as: UTF8.self).split(separator: "\r\n").first.map(String.init) ?? ""
        }
        if got == 0 || errno == ECONNRESET || errno == EPIPE { return "closed" }
        return sent < bytes ? "closed" : "no answer"
    }
}
