/// What one prim may use of the host, whatever it runs: memory, tasks (processes and threads), CPU,
/// open files and its bounded TMPDIR. Every prim runs under its host's limits (`limits:` in
/// `hosts/<name>.yaml`, else `standard`); a prim may set its own in `deploy:`, and a value above
/// what applied before needs an approved change (pr.sh's resource-limits rule).
public struct UnitLimits: Sendable, Hashable {
    /// `MemoryMax=`: a size (`512M`), a percentage, or `infinity`.
    public var memoryMax: String
    /// `TasksMax=` (the cgroup's) and `LimitNPROC=` (the prim's own user's processes, enforced
    /// even where the cgroup's pids controller is not).
    public var tasksMax: Int
    /// `CPUQuota=`, in percent of one CPU.
    public var cpuQuota: Int
    /// `LimitNOFILE=`.
    public var openFiles: Int
    /// The size of the prim's private tmpfs at `tmpDir` (its `TMPDIR`).
    public var tmpSize: String

    public init(memoryMax: String, tasksMax: Int, cpuQuota: Int, openFiles: Int, tmpSize: String) {
        self.memoryMax = memoryMax
        self.tasksMax = tasksMax
        self.cpuQuota = cpuQuota
        self.openFiles = openFiles
        self.tmpSize = tmpSize
    }

    /// A small web service's needs with room to spare, and a host that keeps answering when one
    /// prim misbehaves.
    public static let standard = UnitLimits(
        memoryMax: "512M", tasksMax: 256, cpuQuota: 100, openFiles: 4096, tmpSize: "256M")

    /// The keys, in `deploy:` and in a host file's `limits:`.
    public static let keys = ["memory_max", "tasks_max", "cpu_quota", "open_files", "tmp_size"]

    public static let tasksRange = 16...1_000_000
    public static let cpuRange = 1...10_000
    public static let openFilesRange = 64...1_048_576

    /// A size as systemd and tmpfs write one (`512M`, `1G`, a bare number of bytes) in bytes; nil
    /// when it is not one, or past 2^64 bytes.
    public static func bytes(_ size: String) -> UInt64? {
        let digits = size.prefix { $0.isASCII && $0.isNumber }
        let shifts: [String: UInt64] = ["": 0, "B": 0, "K": 10, "M": 20, "G": 30, "T": 40, "P": 50, "E": 60]
        guard let shift = shifts[String(size.dropFirst(digits.count))], let number = UInt64(digits),
            number <= UInt64.max >> shift
        else { return nil }
        return number << shift
    }

    /// These limits with a prim's own where it sets them.
    public func with(_ own: Overrides) -> UnitLimits {
        UnitLimits(
            memoryMax: own.memoryMax ?? memoryMax, tasksMax: own.tasksMax ?? tasksMax,
            cpuQuota: own.cpuQuota ?? cpuQuota,
            openFiles: own.openFiles ?? openFiles, tmpSize: own.tmpSize ?? tmpSize)
    }

    /// Where a prim's bounded temporary files go: a tmpfs of `tmpSize`, named by `TMPDIR`. systemd
    /// 252 gives a dynamic user its PrivateTmp= /tmp whatever else the unit says (a
    /// `TemporaryFileSystem=/tmp` behind it is not used: measured), so the bounded one is beside it.
    public static let tmpDir = "/run/prim-tmp"

    /// The unit lines.
    public var unitLines: [String] {
        [
            "MemoryMax=\(memoryMax)", "TasksMax=\(tasksMax)", "LimitNPROC=\(tasksMax)", "CPUQuota=\(cpuQuota)%",
            "LimitNOFILE=\(openFiles)", "TemporaryFileSystem=\(Self.tmpDir):size=\(tmpSize),mode=1777",
            "Environment=TMPDIR=\(Self.tmpDir)",
        ]
    }

    /// What a prim's `deploy:` sets.
    public struct Overrides: Sendable, Hashable {
        public var memoryMax: String?
        public var tasksMax: Int?
        public var cpuQuota: Int?
        public var openFiles: Int?
        public var tmpSize: String?

        public init(
            memoryMax: String? = nil, tasksMax: Int? = nil, cpuQuota: Int? = nil, openFiles: Int? = nil,
            tmpSize: String? = nil
        ) {
            self.memoryMax = memoryMax
            self.tasksMax = tasksMax
            self.cpuQuota = cpuQuota
            self.openFiles = openFiles
            self.tmpSize = tmpSize
        }

        /// `key: value` of each limit set, for the prim's identity and messages.
        public var described: [String] {
            [
                ("memory_max", memoryMax), ("tasks_max", tasksMax.map(String.init)),
                ("cpu_quota", cpuQuota.map { "\($0)%" }),
                ("open_files", openFiles.map(String.init)), ("tmp_size", tmpSize),
            ].compactMap { key, value in value.map { "\(key): \($0)" } }
        }
    }
}
