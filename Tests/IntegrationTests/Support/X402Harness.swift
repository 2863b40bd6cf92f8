import Foundation
import PrimSystem
import PrimX402
import XCTest

/// x402's own Python package (PyPI x402, scripts/x402/requirements.txt), installed by
/// scripts/x402/install into its venv.
enum X402Python {
    static let venv = ProcessInfo.processInfo.environment["PRIM_X402_VENV"] ?? "/opt/prim-x402"
    static var python: String { "\(venv)/bin/python" }
    static func script(_ name: String) -> String { "\(Paths.repositoryRoot)/scripts/x402/\(name)" }
}

/// Test wallets: Anvil's development keys, written to files as an agent keeps them.
struct TestWallet {
    let key: String
    let wallet: Wallet
    let keyFile: String
    var address: String { wallet.address.description }

    init(_ key: String, directory: String) throws {
        self.key = key
        wallet = Wallet(privateKeyHex: key)!
        keyFile = "\(directory)/\(wallet.address).key"
        try key.write(toFile: keyFile, atomically: true, encoding: .utf8)
    }

    static let keys = [
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    ]
}

/// The local facilitator over a fake USDC ledger (scripts/x402/local_facilitator.py): x402's own
/// verify and settle, an in-memory model of the USDC contract.
final class LocalFacilitator {
    let pid: pid_t
    let port: Int
    let log: String
    static let network = "eip155:84532"

    init(mint: [String: UInt64], directory: String) throws {
        port = try freePort()
        log = "\(directory)/facilitator.log"
        var arguments = [X402Python.script("local_facilitator.py"), "--listen", "127.0.0.1:\(port)"]
        for (address, amount) in mint { arguments += ["--mint", "\(address)=\(amount)"] }
        pid = Command.spawn(X402Python.python, arguments, stdout: log, stderr: log)
        let started = Date()
        while !((try? HTTPClient.request("GET", url + "/supported", timeout: 1))?.text.contains("\"exact\"") ?? false) {
            guard Date().timeIntervalSince(started) < 60 else {
                throw NSError(
                    domain: "facilitator", code: 1,
                    userInfo: [NSLocalizedDescriptionKey: "the local facilitator did not start: \(output)"])
            }
            usleep(50_000)
        }
    }

    deinit { _ = stop() }

    @discardableResult
    func stop() -> Int32 {
        kill(pid, SIGTERM)
        return Command.wait(pid)
    }

    var url: String { "http://127.0.0.1:\(port)" }
    /// The fake chain's JSON-RPC for the tests' network (Base Sepolia).
    var rpcURL: String { "\(url)/rpc/84532" }
    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    func state() throws -> [String: Any] {
        let response = try HTTPClient.request("GET", url + "/_fake/state", timeout: 5)
        return try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
    }

    func balance(_ address: String) throws -> UInt64 {
        let balances = (try state()["balances"] as? [String: Any])?[Self.network] as? [String: Any]
        return UInt64(balances?[address.lowercased()] as? String ?? "0") ?? 0
    }

    var settleCalls: Int { get throws { ((try state()["calls"] as? [String: Any])?["settle"] as? Int) ?? -1 } }
    var transfers: [[String: Any]] { get throws { try state()["transfers"] as? [[String: Any]] ?? [] } }

    /// Waits (20 s at most) until the ledger holds `count` transfers; false if it never does.
    func waitForTransfers(_ count: Int) throws -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while try transfers.count < count {
            guard Date() < deadline else { return false }
            usleep(100_000)
        }
        return true
    }

    func mode(_ mode: String, delay: Double? = nil) throws {
        var body: [String: Any] = ["mode": mode]
        if let delay { body["delay"] = delay }
        let response = try HTTPClient.request(
            "POST", url + "/_fake/mode", headers: ["Content-Type": "application/json"],
            body: Array(try JSONSerialization.data(withJSONObject: body)), timeout: 5)
        XCTAssertEqual(response.status, 200, response.text)
    }
}

/// x402's own Python client (scripts/x402/pay.py) paying one request, as an agent would.
enum PythonPayer {
    struct Answer {
        var status: Int?
        var body: [String: Any]
        var paymentResponse: [String: Any]?
        var raw: String
    }

    static func pay(_ wallet: TestWallet, _ method: String, _ url: String, json: Any? = nil) throws -> Answer {
        var arguments = [X402Python.script("pay.py"), "--key-file", wallet.keyFile]
        if let json {
            arguments += ["--data", String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)]
        }
        let result = try Command.run(X402Python.python, arguments + [method, url])
        let object = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any] ?? [:]
        return Answer(
            status: object["status"] as? Int, body: object["body"] as? [String: Any] ?? [:],
            paymentResponse: object["payment_response"] as? [String: Any], raw: result.stdout + result.stderr)
    }

    /// The PAYMENT-SIGNATURE value x402's client makes for the request's 402, not sent.
    static func sign(_ wallet: TestWallet, _ method: String, _ url: String, json: Any? = nil) throws -> String {
        var arguments = [X402Python.script("pay.py"), "--key-file", wallet.keyFile, "--sign-only"]
        if let json {
            arguments += ["--data", String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)]
        }
        let result = try Command.run(X402Python.python, arguments + [method, url])
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
