import CLibSystemd

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Log lines for primd: structured journal entries when stderr is the journal (under systemd),
/// plain lines on stderr otherwise.
public enum JournalLog {
    /// systemd sets JOURNAL_STREAM when a service's stderr is connected to the journal.
    public static let toJournal = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil

    public static func send(_ message: String, priority: Int = 6, fields: [String: String] = [:]) {
        guard toJournal else {
            let line = Array("primd: \(message)\n".utf8)
            _ = line.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
            return
        }
        var entries = ["MESSAGE=\(message)", "PRIORITY=\(priority)", "SYSLOG_IDENTIFIER=primd"]
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) { entries.append("\(key)=\(value)") }
        let strings = entries.map { strdup($0) }
        defer { strings.forEach { free($0) } }
        var vectors = strings.map { iovec(iov_base: UnsafeMutableRawPointer($0), iov_len: strlen($0!)) }
        _ = sd_journal_sendv(&vectors, Int32(vectors.count))
    }
}
