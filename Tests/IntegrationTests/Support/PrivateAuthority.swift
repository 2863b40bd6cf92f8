import Foundation

/// A private certificate authority with a server certificate for `localhost`, and an unrelated
/// authority that did not sign it; made with openssl in `directory`.
struct PrivateAuthority {
    let ca: String
    let otherCA: String
    let certificate: String
    let key: String

    init(in directory: String) throws {
        let script = """
            set -e; cd '\(directory)'
            for ca in other-ca right-ca; do
              openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$ca" -keyout $ca.key -out $ca.pem 2>/dev/null
            done
            openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr 2>/dev/null
            printf 'subjectAltName=DNS:localhost\\n' > san.ext
            openssl x509 -req -in server.csr -CA right-ca.pem -CAkey right-ca.key -CAcreateserial -days 2 -extfile san.ext -out server.pem 2>/dev/null
            """
        let result = try Command.shell(script)
        guard result.status == 0 else {
            throw NSError(
                domain: "openssl", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: result.stderr])
        }
        ca = "\(directory)/right-ca.pem"
        otherCA = "\(directory)/other-ca.pem"
        certificate = "\(directory)/server.pem"
        key = "\(directory)/server.key"
    }
}

/// Waits until something accepts connections on a loopback port.
func waitForListener(_ port: Int, timeout: TimeInterval = 10) {
    let deadline = Date().addingTimeInterval(timeout)
    while (try? Command.shell("exec 3<>/dev/tcp/127.0.0.1/\(port)"))?.status != 0 && Date() < deadline {
        usleep(50_000)
    }
}
