import Foundation
import PrimModel
import PrimSystem

/// pr.sh's durable records in its data dir: `prs/<n>.json` (one per PR) and `wallets.json`
/// (flood-control counters). Every write is atomic; a restart reads them back.
public struct PRStore {
    public let directory: String
    let paths: PrshPaths

    public init(directory: String) {
        self.directory = directory
        paths = PrshPaths(dataDir: directory)
    }

    public func loadPullRequests() throws -> [Int: PullRequest] {
        var result: [Int: PullRequest] = [:]
        for name in FileReader.names(in: paths.pullRequests, suffix: ".json") {
            let path = "\(paths.pullRequests)/\(name)"
            guard let bytes = try FileReader.bytes(path) else { continue }
            do {
                let pr = try PrimJSON.decode(PullRequest.self, from: bytes)
                result[pr.number] = pr
            } catch {
                throw SystemError("cannot read PR record '\(path)': \(error)")
            }
        }
        return result
    }

    public func save(_ pr: PullRequest) throws {
        try AtomicFile.write(try PrimJSON.encode(pr), to: paths.pullRequest(pr.number), mode: 0o640)
    }

    public func loadLedger() throws -> WalletLedger {
        guard let bytes = try FileReader.bytes(paths.wallets) else { return WalletLedger() }
        return try PrimJSON.decode(WalletLedger.self, from: bytes)
    }

    public func save(_ ledger: WalletLedger) throws {
        try AtomicFile.write(try PrimJSON.encode(ledger), to: paths.wallets, mode: 0o640)
    }
}
