import Foundation
import PrimModel
import PrimSystem

/// Every payment pr.sh has seen, by `(payer, nonce)`: one JSON line per change of state, each on
/// disk (fsync) before pr.sh goes on. A reservation is written before the facilitator is
/// called, so a payment sent twice, or again after a restart, is used once.
final class PaymentJournal {
    enum State: String, Codable {
        /// Written before settling; a reservation left by a stopped pr.sh counts as `pending`.
        case reserved
        /// The facilitator did not say; the same payment may be sent again to settle it.
        case pending
        /// Settled; the work it pays for was not recorded yet.
        case settled
        /// Refused by the facilitator: nothing was paid.
        case failed
        /// Settled and used.
        case done
    }

    struct Entry: Codable, Equatable {
        var key: String
        var state: State
        var validBefore: UInt64
        var transaction: String?
        var reason: String?
        /// What it paid for: `open`, `merge #3`…, and the PR.
        var action: String?
        var pullRequest: Int?
    }

    let path: String
    private(set) var entries: [String: Entry] = [:]
    let file: AppendFile

    /// Reads the journal, drops payments whose authorization expired an hour ago (the chain can
    /// no longer settle them, so they cannot be used again), and rewrites it compacted.
    init(path: String, now: UInt64) throws {
        self.path = path
        if let bytes = try FileReader.bytes(path) {
            for line in bytes.split(separator: UInt8(ascii: "\n")) {
                guard let entry = try? PrimJSON.decode(Entry.self, from: Array(line)) else { continue }
                entries[entry.key] = entry
            }
        }
        entries = entries.filter { $0.value.validBefore + 3600 > now }
        var text: [UInt8] = []
        for entry in entries.values.sorted(by: { $0.key < $1.key }) {
            text += try PrimJSON.encode(entry, .line) + [0x0A]
        }
        try AtomicFile.write(text, to: path, mode: 0o640)
        file = try AppendFile(path)
    }

    subscript(key: String) -> Entry? { entries[key] }

    func record(_ entry: Entry) throws {
        guard file.append(try PrimJSON.encode(entry, .line) + [0x0A]) else {
            throw SystemError("cannot write the payment journal '\(path)'")
        }
        entries[entry.key] = entry
    }
}
