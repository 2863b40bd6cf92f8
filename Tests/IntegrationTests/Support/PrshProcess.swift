import Foundation
import PrimSystem
import XCTest

/// prsh serving a StateRepository's bare repository, stopped with SIGTERM.
final class PrshProcess {
    let pid: pid_t
    let port: Int
    let dataDir: String
    let log: String
    static let operatorToken = "operator-token-for-tests"

    /// `payments` defaults to off: these tests name their caller with X-Wallet; PaymentTests pay.
    init(
        repo: StateRepository, dataDir: String? = nil, extra: [String] = [], payments: [String] = ["--payments", "off"]
    ) throws {
        port = try freePort()
        self.dataDir = dataDir ?? Paths.temporaryDirectory("prsh-data")
        try FileManager.default.createDirectory(atPath: self.dataDir, withIntermediateDirectories: true)
        let tokenFile = "\(self.dataDir).token"
        try Self.operatorToken.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        log = "\(self.dataDir).log"
        let arguments =
            [
                "--repo", repo.bare, "--data-dir", self.dataDir, "--listen", "127.0.0.1:\(port)",
                "--operator-token-file", tokenFile, "--recheck-interval", "1",
            ] + payments + extra
        pid = Command.spawn(
            Paths.primctl.replacingOccurrences(of: "/primctl", with: "/prsh"), arguments, stdout: log, stderr: log)
        let started = Date()
        while (try? HTTPClient.request("GET", url + "/", timeout: 1))?.status != 200 {
            guard Date().timeIntervalSince(started) < 20 else {
                throw NSError(
                    domain: "prsh", code: 1, userInfo: [NSLocalizedDescriptionKey: "prsh did not start: \(output)"])
            }
            usleep(20_000)
        }
    }

    func stop() -> Int32 {
        kill(pid, SIGTERM)
        return Command.wait(pid)
    }

    var url: String { "http://127.0.0.1:\(port)" }
    var output: String { String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self) }

    struct Answer {
        let status: Int
        let json: [String: Any]
        let headers: [String: String]
        var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
        var code: String? { error["code"] as? String }
        var field: String? { error["field"] as? String }
        var message: String { error["message"] as? String ?? "" }
        var state: String? { json["state"] as? String }
        var number: Int? { json["pr_number"] as? Int }
    }

    @discardableResult
    func request(
        _ method: String, _ path: String, wallet: String? = Wallets.alice, token: String? = nil, body: Any? = nil,
        raw: [UInt8]? = nil,
        headers extra: [String: String] = [:]
    ) throws -> Answer {
        var headers = ["Content-Type": "application/json"].merging(extra) { $1 }
        if let wallet { headers["X-Wallet"] = wallet }
        if let token { headers["Authorization"] = "Bearer \(token)" }
        let bytes = try raw ?? body.map { Array(try JSONSerialization.data(withJSONObject: $0)) }
        let response = try HTTPClient.request(
            method, url + path, headers: headers, body: bytes ?? (method == "POST" ? [] : nil), timeout: 30)
        let json = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
        return Answer(status: response.status, json: json, headers: response.headers)
    }

    func open(
        _ files: [String: String], title: String = "a change", wallet: String? = Wallets.alice,
        headers: [String: String] = [:]
    ) throws -> Answer {
        try request("POST", "/v1/pr", wallet: wallet, body: Self.manifest(files, title: title), headers: headers)
    }

    static func manifest(_ files: [String: String], title: String = "a change") -> [String: Any] {
        ["title": title, "files": files.sorted { $0.key < $1.key }.map { ["path": $0.key, "content": $0.value] }]
    }

    /// PR records written to the data dir.
    var records: [String] { FileReader.names(in: "\(dataDir)/prs", suffix: ".json") }
}

enum Wallets {
    static let alice = "0x" + String(repeating: "a1", count: 20)
    static let bob = "0x" + String(repeating: "b2", count: 20)
    static let carol = "0x" + String(repeating: "c3", count: 20)
}

enum Prims {
    /// A prim running the quickstart stub.
    static func yaml(_ id: String, port: Int, status: String = "testing", description: String? = nil) -> String {
        var text = "id: \(id)\nname: \(id).sh\nstatus: \(status)\nport: \(port)\n"
        if let description { text += "description: \(description)\n" }
        text +=
            "deploy:\n  command: /usr/bin/python3 packages/stub/server.py --name \(id).sh\n  health: { timeout: 5 }\n"
        return text
    }
}

extension PrshProcess {
    /// Waits until the PR's deployment is in a state other than pending; returns it.
    func deployment(
        of number: Int, timeout: Double = 60, file: StaticString = #filePath, line: UInt = #line
    ) throws -> [String: Any] {
        let started = Date()
        while Date().timeIntervalSince(started) < timeout {
            let pr = try request("GET", "/v1/pr/\(number)", wallet: nil)
            if let deployment = pr.json["deployment"] as? [String: Any], deployment["state"] as? String != "pending" {
                return deployment
            }
            usleep(100_000)
        }
        XCTFail(
            "PR #\(number)'s deployment stayed pending for \(Int(timeout)) s; pr.sh said:\n\(output.suffix(2000))",
            file: file, line: line)
        return [:]
    }
}
