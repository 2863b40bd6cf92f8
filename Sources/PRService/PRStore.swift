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

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    public func loadPullRequests() throws -> [Int: PullRequest] {
        var result: [Int: PullRequest] = [:]
        for name in FileReader.names(in: paths.pullRequests, suffix: ".json") {
            let path = "\(paths.pullRequests)/\(name)"
            guard let bytes = try FileReader.bytes(path) else { continue }
            do {
                let pr = try Self.decoder.decode(PullRequest.self, from: Data(bytes))
                result[pr.number] = pr
            } catch {
                throw SystemError("cannot read PR record '\(path)': \(error)")
            }
        }
        return result
    }

    public func save(_ pr: PullRequest) throws {
        try AtomicFile.write(Array(try Self.encoder.encode(pr)), to: paths.pullRequest(pr.number), mode: 0o640)
    }

    public func loadLedger() throws -> WalletLedger {
        guard let bytes = try FileReader.bytes(paths.wallets) else { return WalletLedger() }
        return try Self.decoder.decode(WalletLedger.self, from: Data(bytes))
    }

    public func save(_ ledger: WalletLedger) throws {
        try AtomicFile.write(Array(try Self.encoder.encode(ledger)), to: paths.wallets, mode: 0o640)
    }
}
