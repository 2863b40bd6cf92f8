import CLibSystemd

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Reads a unit's last log lines from the journal.
public enum JournalReader {
    /// - Parameter directory: a journal directory (a namespaced manager's), or nil for the local journal.
    /// - Parameter invocation: only lines of this run of the unit (`InvocationID`, hex): an earlier
    ///   run had other env values, which its lines may show and redaction would not know.
    public static func lastLines(unit: String, count: Int, directory: String?, invocation: String? = nil) -> [String] {
        var journal: OpaquePointer?
        let opened: Int32
        if let directory {
            opened = sd_journal_open_directory(&journal, directory, 0)
        } else {
            opened = sd_journal_open(&journal, Int32(SD_JOURNAL_LOCAL_ONLY))
        }
        guard opened >= 0, let journal else { return [] }
        defer { sd_journal_close(journal) }
        let match = "_SYSTEMD_UNIT=\(unit)"
        guard sd_journal_add_match(journal, match, 0) >= 0 else { return [] }
        if let invocation, sd_journal_add_match(journal, "_SYSTEMD_INVOCATION_ID=\(invocation)", 0) < 0 { return [] }
        guard sd_journal_seek_tail(journal) >= 0 else { return [] }
        var lines: [String] = []
        while lines.count < count, sd_journal_previous(journal) > 0 {
            var data: UnsafeRawPointer?
            var length = 0
            if sd_journal_get_data(journal, "MESSAGE", &data, &length) >= 0, let data {
                let field = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
                lines.append(String(field.dropFirst("MESSAGE=".count)))
            }
        }
        return lines.reversed()
    }
}
