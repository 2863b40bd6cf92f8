#if canImport(FoundationEssentials)
import Glibc
#else
import Foundation
#endif

/// A file open for appending, each append on disk (fsync) before it returns.
public final class AppendFile {
    let fd: Int32

    public init(_ path: String) throws {
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("cannot open '\(path)': \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Appends the bytes; an append that could not finish is reported as failed.
    @discardableResult
    public func append(_ bytes: [UInt8]) -> Bool {
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        return written == bytes.count && fsync(fd) == 0
    }
}
