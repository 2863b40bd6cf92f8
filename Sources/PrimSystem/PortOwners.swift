import CShims
import PrimModel

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Who listens on a port: the kernel's sock_diag gives each listening socket with its cgroup, so
/// a port held by the unit expected there costs no look at any process; only a port held by
/// something else is traced to its processes (`/proc/net/tcp{,6}` gives the sockets,
/// `/proc/<pid>/fd` their owners) to name them.
public enum PortOwners {
    /// The holders of a listening socket on each of `ports`, any address. Ports nobody holds are
    /// absent. `expected` gives, for a held port, the cgroups (ControlGroupId) that may hold it: a
    /// port held only by those comes back with holders named by their cgroup alone (pid 0).
    public static func holders(of ports: Set<Int>, expected: (Int) -> Set<UInt64>) -> [Int: [PortHolder]] {
        guard !ports.isEmpty else { return [:] }
        guard let listeners = listeners(of: ports) else { return holders(of: ports) }
        var result: [Int: [PortHolder]] = [:]
        var traced = Set<Int>()
        for (port, sockets) in listeners {
            let allowed = expected(port)
            if sockets.allSatisfy({ $0.cgroup != 0 && allowed.contains($0.cgroup) }) {
                result[port] = Set(sockets.map(\.cgroup)).sorted().map {
                    PortHolder(pid: 0, command: "", cgroup: "", cgroupID: $0)
                }
            } else {
                traced.insert(port)
            }
        }
        return traced.isEmpty ? result : result.merging(holders(of: traced)) { _, named in named }
    }

    /// A listening socket as sock_diag reports it.
    public struct Listener: Sendable, Equatable {
        public var port: Int
        public var inode: UInt64
        /// The cgroup of the process that created it (ControlGroupId).
        public var cgroup: UInt64
    }

    /// Every listening TCP socket on `ports`, by port; nil when sock_diag cannot be asked.
    public static func listeners(of ports: Set<Int>) -> [Int: [Listener]]? {
        let wanted = ports.filter { (1...65535).contains($0) }.map { UInt16($0) }
        guard !wanted.isEmpty else { return [:] }
        var found = [prim_listener](repeating: prim_listener(), count: 4096)
        let count = prim_tcp_listeners(wanted, Int32(wanted.count), &found, Int32(found.count))
        guard count >= 0 else { return nil }
        return Dictionary(
            grouping: found.prefix(Int(count)).map { Listener(port: Int($0.port), inode: $0.inode, cgroup: $0.cgroup) },
            by: \.port)
    }

    /// The holders of a listening socket on each of `ports`, traced through every process.
    public static func holders(of ports: Set<Int>) -> [Int: [PortHolder]] {
        guard !ports.isEmpty else { return [:] }
        var portOfInode: [UInt64: Int] = [:]
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            for (port, inode) in listening(table) where ports.contains(port) { portOfInode[inode] = port }
        }
        guard !portOfInode.isEmpty else { return [:] }
        let mount = cgroupMount
        var result: [Int: [PortHolder]] = [:]
        for pid in (try? ContainedPath.names(in: "/proc"))?.compactMap(Int.init) ?? [] {
            var ports = Set<Int>()
            for fd in (try? ContainedPath.names(in: "/proc/\(pid)/fd")) ?? [] {
                guard let target = link("/proc/\(pid)/fd/\(fd)"), target.hasPrefix("socket:["),
                    let inode = UInt64(target.dropFirst(8).dropLast()), let port = portOfInode[inode]
                else { continue }
                ports.insert(port)
            }
            guard !ports.isEmpty else { continue }
            let command =
                FileReader.stream("/proc/\(pid)/comm").map { String(decoding: $0, as: UTF8.self).trimmingWhitespace }
                ?? "?"
            let cgroup = cgroupPath(pid)
            var id: UInt64?
            if let mount, let cgroup {
                var info = stat()
                if stat(mount + cgroup, &info) == 0 { id = UInt64(info.st_ino) }
            }
            for port in ports {
                result[port, default: []].append(
                    PortHolder(pid: pid, command: command, cgroup: cgroup ?? "?", cgroupID: id))
            }
        }
        return result
    }

    /// How many connections to a local port are open (ESTABLISHED, `st` 01), over IPv4 and IPv6.
    public static func connections(to port: Int) -> Int {
        ["/proc/net/tcp", "/proc/net/tcp6"].reduce(0) { count, table in
            count + sockets(table).filter { $0.state == "01" && $0.port == port }.count
        }
    }

    /// `(local port, socket inode)` of every socket in LISTEN state (`st` 0A) of one table.
    static func listening(_ table: String) -> [(Int, UInt64)] {
        sockets(table).filter { $0.state == "0A" }.map { ($0.port, $0.inode) }
    }

    /// Every socket of a `/proc/net/tcp{,6}` table: its state (hex, as the kernel writes it),
    /// local port and inode.
    static func sockets(_ table: String) -> [(state: Substring, port: Int, inode: UInt64)] {
        guard let bytes = FileReader.stream(table) else { return [] }
        var sockets: [(state: Substring, port: Int, inode: UInt64)] = []
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 9, let colon = fields[1].lastIndex(of: ":"),
                let port = Int(fields[1][fields[1].index(after: colon)...], radix: 16), let inode = UInt64(fields[9])
            else { continue }
            sockets.append((fields[3], port, inode))
        }
        return sockets
    }

    /// The process's cgroup v2 path (the `0::` line).
    static func cgroupPath(_ pid: Int) -> String? {
        guard let bytes = FileReader.stream("/proc/\(pid)/cgroup") else { return nil }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("0::") }.map {
            String($0.dropFirst(3))
        }
    }

    /// Where this namespace mounts the cgroup2 hierarchy's root (`/sys/fs/cgroup`, or `/sys/fs/cgroup/unified` on hybrid hosts).
    static let cgroupMount = findCgroupMount()

    static func findCgroupMount() -> String? {
        guard let bytes = FileReader.stream("/proc/self/mountinfo") else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            guard line.contains(" - cgroup2 ") else { continue }
            let fields = line.split(separator: " ")
            if fields.count > 4, fields[3] == "/" { return String(fields[4]) }
        }
        return nil
    }

    static func link(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
