import PrimYAML

/// Reads a prim's `deploy:` block; unknown keys are errors with a hint.
struct DeployDecoder {
    let reader: FieldReader
    var log: DiagnosticLog { reader.log }

    func decode(_ field: Field) -> DeploySpec {
        var spec = DeploySpec()
        guard let pairs = reader.mapping(field) else { return spec }
        let fields = FieldSet(pairs, file: field.file)
        reader.rejectUnknownKeys(fields, allowed: DeploySpec.keys, context: "deploy", code: "unknown-deploy-key")
        spec.maxBodySize = oneLine(fields["max_body_size"])
        if let size = spec.maxBodySize, let f = fields["max_body_size"], !Self.isSize(size) {
            log.error(
                f.file, f.value.mark, "invalid-size", "max_body_size '\(size)' must be a size like 1MB, 512KB or 2GB")
        }
        spec.accessLog = reader.bool(fields["access_log"]) ?? false
        if let f = fields["systemd_after"] {
            for (unit, mark) in reader.strings(f)
            where reader.requireOneLine(unit, file: f.file, mark: mark, key: "systemd_after[]") {
                if unit.contains(" ") || !unit.contains(".") {
                    log.error(
                        f.file, mark, "invalid-unit-name",
                        "systemd_after entry '\(unit)' must be a unit name like postgresql.service")
                } else {
                    spec.systemdAfter.append(unit)
                }
            }
        }
        if let f = fields["extra_caddy"] {
            for item in f.value.sequence ?? [] {
                guard let block = item.scalarText else { continue }
                let origin = TextOrigin(file: f.file, node: item)
                if let problem = CaddyBraces.problem(in: block) {
                    log.error(
                        f.file, origin.mark(line: problem.line, column: problem.column), "caddy-braces", problem.message
                    )
                } else {
                    spec.extraCaddy.append(block)
                    spec.extraCaddyOrigins.append(origin)
                }
            }
            if f.value.sequence == nil { _ = reader.strings(f) }
        }
        if let f = fields["command"], let command = reader.string(f),
            reader.requireCommand(command, file: f.file, mark: f.value.mark, key: "deploy.command")
        {
            spec.command = command
        }
        spec.limits = limits(fields)
        if let f = fields["restart"], let restart = oneLine(f) {
            if DeploySpec.restartValues.contains(restart) {
                spec.restart = restart
            } else {
                log.error(
                    f.file, f.value.mark, "invalid-restart",
                    "restart '\(restart)'\(Suggestion.hint(for: restart, in: DeploySpec.restartValues)) must be one of \(DeploySpec.restartValues.joined(separator: ", "))"
                )
            }
        }
        spec.host = oneLine(fields["host"])
        spec.hardening = reader.bool(fields["hardening"]) ?? true
        if let pairs = reader.mapping(fields["health"]) {
            let health = FieldSet(pairs, file: field.file)
            reader.rejectUnknownKeys(
                health, allowed: DeploySpec.healthKeys, context: "deploy.health", code: "unknown-deploy-key")
            if let path = reader.string(health["path"]), let f = health["path"] {
                if path.hasPrefix("/"),
                    reader.requireOneLine(path, file: f.file, mark: f.value.mark, key: "health.path")
                {
                    spec.health.path = path
                } else if !path.hasPrefix("/") {
                    log.error(f.file, f.value.mark, "invalid-health", "health.path '\(path)' must start with '/'")
                }
            }
            if let status = reader.int(health["status"]), let f = health["status"] {
                if (100...599).contains(status) {
                    spec.health.status = status
                } else {
                    log.error(
                        f.file, f.value.mark, "invalid-health",
                        "health.status \(status) must be an HTTP status between 100 and 599")
                }
            }
            if let timeout = reader.int(health["timeout"]), let f = health["timeout"] {
                if (1...600).contains(timeout) {
                    spec.health.timeoutSeconds = timeout
                } else {
                    log.error(
                        f.file, f.value.mark, "invalid-health",
                        "health.timeout \(timeout) must be between 1 and 600 seconds")
                }
            }
        }
        return spec
    }

    private func oneLine(_ field: Field?) -> String? {
        guard let field, let text = reader.string(field) else { return nil }
        return reader.requireOneLine(text, file: field.file, mark: field.value.mark, key: field.key) ? text : nil
    }

    /// A size Caddy's `request_body max_size` takes: `128MB`, `1mb`, `512K`, `2G`, `100` (at most 12 digits).
    static func isSize(_ text: String) -> Bool {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 12 else { return false }
        let unit = text.dropFirst(digits.count).uppercased()
        return ["", "B", "K", "KB", "KIB", "M", "MB", "MIB", "G", "GB", "GIB", "T", "TB"].contains(unit)
    }

    /// A size systemd's `MemoryMax=` takes: bytes with one of its suffixes (K, M, G, T, P, E, all
    /// powers of 1024, upper case; `256MB` or `1GiB` it ignores, leaving no limit), or a percentage
    /// of the machine's memory.
    /// The limits `deploy:` or the host config's `limits:` sets, each checked.
    func limits(_ fields: FieldSet) -> UnitLimits.Overrides {
        var limits = UnitLimits.Overrides()
        limits.memoryMax = oneLine(fields["memory_max"])
        if let memory = limits.memoryMax, let f = fields["memory_max"],
            !Self.isMemorySize(memory) && memory != "infinity" || Self.tooSmall(limits.memoryMax)
        {
            log.error(
                f.file, f.value.mark, "invalid-size",
                "memory_max '\(memory)' must be a size systemd's MemoryMax= takes: a number with K, M, G or T (powers of 1024, as 256M or 1G) of at least 1M, a percentage like 10%, or 'infinity'"
            )
            limits.memoryMax = nil
        }
        limits.tasksMax = limit(fields["tasks_max"], in: UnitLimits.tasksRange, what: "processes and threads")
        limits.openFiles = limit(fields["open_files"], in: UnitLimits.openFilesRange, what: "open files")
        if let f = fields["cpu_quota"], let text = oneLine(f) {
            limits.cpuQuota = Self.percent(text, in: UnitLimits.cpuRange)
            if limits.cpuQuota == nil {
                log.error(
                    f.file, f.value.mark, "invalid-limit",
                    "cpu_quota '\(text)' must be a percentage of one CPU from \(UnitLimits.cpuRange.lowerBound)% to \(UnitLimits.cpuRange.upperBound)%, like 50%"
                )
            }
        }
        if let f = fields["tmp_size"], let text = oneLine(f) {
            // tmpfs's size= takes K, M, G… but neither B nor a percentage of a unit's memory.
            if Self.isMemorySize(text), let last = text.last, "KMGT".contains(last), !Self.tooSmall(text) {
                limits.tmpSize = text
            } else {
                log.error(
                    f.file, f.value.mark, "invalid-size",
                    "tmp_size '\(text)' must be a size with K, M, G or T of at least 1M, like 64M")
            }
        }
        return limits
    }

    /// A size under 1 MiB: a bare number is bytes (`memory_max: 512` is 512 bytes), and no prim
    /// runs in that.
    static func tooSmall(_ size: String?) -> Bool {
        guard let size, let bytes = UnitLimits.bytes(size) else { return false }
        return bytes < 1 << 20
    }

    /// A whole number in `range`, reported when it is not.
    func limit(_ field: Field?, in range: ClosedRange<Int>, what: String) -> Int? {
        guard let field, let value = reader.int(field) else { return nil }
        guard range.contains(value) else {
            log.error(
                field.file, field.value.mark, "invalid-limit",
                "'\(field.key)' must be a number of \(what) from \(range.lowerBound) to \(range.upperBound), got \(value)"
            )
            return nil
        }
        return value
    }

    /// `50%` as 50, when in `range`.
    static func percent(_ text: String, in range: ClosedRange<Int>) -> Int? {
        guard text.hasSuffix("%"), let value = Int(text.dropLast()), range.contains(value) else { return nil }
        return value
    }

    static func isMemorySize(_ text: String) -> Bool {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 12 else { return false }
        let unit = String(text.dropFirst(digits.count))
        // systemd ignores a limit of zero ("out of range"), leaving none.
        if unit == "%" { return Int(digits).map { (1...100).contains($0) } ?? false }
        // A size past 2^64 bytes systemd reads as no limit at all.
        guard let bytes = UnitLimits.bytes(text) else { return false }
        return bytes > 0
    }
}
