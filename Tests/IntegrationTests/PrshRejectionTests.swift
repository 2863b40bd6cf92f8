import Foundation
import PrimSystem
import XCTest

/// Every way pr.sh refuses a manifest: the status, the error code, the named field or path,
/// and that no ref moved and no PR record was written.
final class PrshRejectionTests: XCTestCase {
    struct Case {
        let name: String
        let status: Int
        let code: String
        /// Expected `error.field`.
        let field: String?
        /// Text the message (or a diagnostic) must contain.
        let mentions: String
        var wallet: String? = Wallets.alice
        var body: Any? = nil
        var raw: [UInt8]? = nil
    }

    static func files(_ list: [(String, String)]) -> [String: Any] {
        ["title": "change", "files": list.map { ["path": $0.0, "content": $0.1] }]
    }

    static let gamma = Prims.yaml("gamma", port: 3206)

    static var cases: [Case] {
        [
            Case(
                name: "no wallet", status: 401, code: "unauthorized", field: "X-Wallet", mentions: "X-Wallet",
                wallet: nil,
                body: files([("state/prims/gamma.yaml", gamma)])),
            Case(
                name: "malformed wallet", status: 401, code: "unauthorized", field: "X-Wallet",
                mentions: "40 hex digits", wallet: "0x12",
                body: files([("state/prims/gamma.yaml", gamma)])),
            Case(
                name: "body not JSON", status: 400, code: "invalid_request", field: "body", mentions: "JSON object",
                raw: Array("files: []".utf8)),
            Case(
                name: "no title", status: 400, code: "invalid_request", field: "title", mentions: "title is required",
                body: ["files": [["path": "state/prims/gamma.yaml", "content": gamma]]]),
            Case(
                name: "no files", status: 400, code: "invalid_request", field: "files", mentions: "files is required",
                body: ["title": "x", "files": []]),
            Case(
                name: "unknown field", status: 400, code: "invalid_request", field: "branch",
                mentions: "unknown field 'branch'",
                body: [
                    "title": "x", "branch": "main", "files": [["path": "state/prims/gamma.yaml", "content": gamma]],
                ]),
            Case(
                name: "path not a string", status: 400, code: "invalid_request", field: "files[0].path",
                mentions: "must be a string",
                body: ["title": "x", "files": [["path": 7, "content": gamma]]]),
            Case(
                name: "dot-dot", status: 400, code: "invalid_request", field: "files[0].path", mentions: "'..'",
                body: files([("state/prims/../hosts/t.yaml", "domain: evil.test\n")])),
            Case(
                name: "absolute path", status: 400, code: "invalid_request", field: "files[0].path",
                mentions: "absolute",
                body: files([("/etc/passwd", "root::0:0::/:/bin/sh\n")])),
            Case(
                name: "NUL in path", status: 400, code: "invalid_request", field: "files[0].path", mentions: "NUL",
                body: files([("state/prims/gamma\u{0}.yaml", gamma)])),
            Case(
                name: "NUL in content", status: 400, code: "invalid_request", field: "files[0].content",
                mentions: "NUL",
                body: files([("state/prims/gamma.yaml", "id: gamma\u{0}\n")])),
            Case(
                name: "duplicate path", status: 400, code: "invalid_request", field: "files[1].path",
                mentions: "also files[0].path",
                body: files([("state/prims/gamma.yaml", gamma), ("state/prims/gamma.yaml", gamma)])),
            Case(
                name: "host file", status: 403, code: "forbidden", field: "files[0].path",
                mentions: "not a path agents may change",
                body: files([("state/hosts/t.yaml", "domain: evil.test\n")])),
            Case(
                name: "outside the state", status: 403, code: "forbidden", field: "files[0].path",
                mentions: "state/prims/*.yaml",
                body: files([("README.md", "hello\n")])),
            Case(
                name: "through a symlink", status: 400, code: "invalid_request", field: "files[0].path",
                mentions: "symbolic link 'state/packages/escape'",
                body: files([("state/packages/escape/x.txt", "x\n")])),
            Case(
                name: "too many files", status: 400, code: "invalid_request", field: "files",
                mentions: "more than the limit of 3",
                body: files((1...4).map { ("state/packages/gamma/f\($0).txt", "x\n") })),
            Case(
                name: "file too large", status: 400, code: "invalid_request", field: "files[0].content",
                mentions: "over the limit of 4000",
                body: files([("state/packages/gamma/big.txt", String(repeating: "x", count: 4001))])),
            Case(
                name: "manifest too large", status: 400, code: "invalid_request", field: "files",
                mentions: "over the limit of 6000",
                body: files((1...2).map { ("state/packages/gamma/f\($0).txt", String(repeating: "x", count: 3500)) })),
            Case(
                name: "invalid YAML", status: 400, code: "invalid_request", field: "state/prims/gamma.yaml",
                mentions: "state/prims/gamma.yaml:2:7: error: invalid YAML",
                body: files([("state/prims/gamma.yaml", "id: gamma\nport: [3206\n")])),
            Case(
                name: "port taken", status: 400, code: "invalid_request", field: "state/prims/gamma.yaml",
                mentions: "used by prim 'alpha' at state/prims/alpha.yaml:4:7",
                body: files([("state/prims/gamma.yaml", Prims.yaml("gamma", port: 3201))])),
        ]
    }

    func testEveryRejectionNamesTheFieldAndChangesNothing() throws {
        let repo = try StateRepository(files: ConvergedState.files())
        try FileManager.default.createSymbolicLink(
            atPath: "\(repo.work)/state/packages/escape", withDestinationPath: "/etc")
        try repo.commit([:], message: "a symlink out of the tree")
        let prsh = try PrshProcess(
            repo: repo, extra: ["--max-files", "3", "--max-file-bytes", "4000", "--max-total-bytes", "6000"])
        defer { _ = prsh.stop() }
        let refs = try GitRepository.open(repo.bare).references()
        XCTAssertEqual(refs.count, 1, "only main before any PR")
        for item in Self.cases {
            let answer = try prsh.request("POST", "/v1/pr", wallet: item.wallet, body: item.body, raw: item.raw)
            XCTAssertEqual(answer.status, item.status, item.name)
            XCTAssertEqual(answer.code, item.code, item.name)
            XCTAssertEqual(answer.field, item.field, item.name)
            let diagnostics = (answer.error["diagnostics"] as? [String]) ?? []
            XCTAssertTrue(
                (answer.message + diagnostics.joined(separator: "\n")).contains(item.mentions),
                "\(item.name): '\(item.mentions)' not in \(answer.message) \(diagnostics)")
            XCTAssertEqual(try GitRepository.open(repo.bare).references(), refs, "\(item.name): a ref moved")
            XCTAssertEqual(prsh.records, [], "\(item.name): a PR record was written")
        }
        // A good manifest through the same prsh still works: the rejections left nothing in the way.
        let good = try prsh.open(["state/prims/gamma.yaml": Self.gamma])
        XCTAssertEqual(good.status, 201, good.message)
        XCTAssertEqual(good.state, "merged")
    }
}
