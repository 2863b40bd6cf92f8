import PrimModel
import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// This host's key for naming versions (`VersionName`): 32 random bytes, hex, in
/// `<data dir>/version.key` (0600), made the first time a plan is made on the host. Where the data
/// directory cannot be written (a plan run without root), this process's own key serves: its
/// versions then differ from the host's, as they should for a plan that cannot see the host.
enum VersionKey {
    static func load(_ config: HostConfig) -> String {
        let path = config.paths.versionKey
        if let key = read(path) { return key }
        let key = PrimRendering.newKey()
        // Written aside, then linked into place only if no other process made one meanwhile.
        let aside = "\(path).new-\(getpid())"
        defer { unlink(aside) }
        guard (try? AtomicFile.write(Array(key.utf8), to: aside, mode: 0o600)) != nil else {
            return PrimRendering.processKey
        }
        if link(aside, path) == 0 { return key }
        return read(path) ?? PrimRendering.processKey
    }

    /// The key a file holds: 64 hex digits, whitespace around them allowed (an editor's newline).
    static func read(_ path: String) -> String? {
        guard let bytes = (try? FileReader.bytes(path)).flatMap({ $0 }) else { return nil }
        let key = String(decoding: bytes, as: UTF8.self).trimmingWhitespace
        return key.count == 64 && key.allSatisfy(\.isHexDigit) ? key : nil
    }
}
