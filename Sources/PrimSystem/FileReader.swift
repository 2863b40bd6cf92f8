#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Read-only access to the files prim manages on a host.
public enum FileReader {
    /// Whether something (a file, a folder) is at `path`.
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Names in a directory with a suffix, sorted; an absent directory has none.
    public static func names(in directory: String, suffix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(suffix) }
            .sorted()
    }

    /// A secret kept in a file (a token, a webhook secret): its text without surrounding
    /// whitespace, or nil if the file does not exist.
    public static func secret(_ path: String) throws -> String? {
        try bytes(path).map { String(decoding: $0, as: UTF8.self).trimmingWhitespace }
    }

    /// A file read to its end with read(2), for files that report no size (`/proc`): nil when it
    /// cannot be opened. Foundation reads such files only up to a page.
    public static func stream(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return count == 0 ? result : nil }
            result += buffer[0..<count]
        }
    }

    /// A file's bytes, or nil if it does not exist.
    public static func bytes(_ path: String) throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SystemError("cannot read '\(path)': permission denied")
        }
        return [UInt8](data)
    }
}
