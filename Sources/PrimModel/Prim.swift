import PrimYAML

/// A prim as declared by its prim.yaml: the fields that drive deployment.
///
/// Keys that only drive the catalog (pricing copy, colours, sections) are kept
/// in the source file and ignored here.
public struct Prim: Sendable, Hashable {
    public var id: String
    /// The file that declares the prim (for upstream layout: the package file if there is one).
    public var file: String
    public var mark: Mark
    public var name: String?
    public var description: String?
    public var endpoint: String?
    public var status: PrimStatus?
    public var port: Int?
    public var env: [String]
    public var providers: [Provider]
    public var routes: [Route]
    /// The dollar prices of `pricing` (atomic USDC), in order; entries like "free" or "dynamic" have none.
    public var prices: [UInt64] = []
    public var deploy: DeploySpec
    /// Where fields were declared, for cross-file diagnostics: key → (file, mark).
    public var origins: [String: Origin]
    /// Where each `env` entry is written.
    public var envMarks: [String: Mark] = [:]
    /// Every key declared for the prim but `status`, with its value, in one text (`YAMLNode.canonical`):
    /// what code that reads its own prim.yaml sees, for `PrimIdentity`.
    public var declaration = ""

    public struct Origin: Sendable, Hashable {
        public var file: String
        public var mark: Mark
        public init(file: String, mark: Mark) { self.file = file; self.mark = mark }
    }

    public struct Provider: Sendable, Hashable {
        public var name: String
        public var env: [String]
        public var status: String?
        public var isDefault: Bool
        public var url: String?
        /// A provider whose env keys the prim needs: status `active`, or no status.
        public var isActive: Bool { status == nil || status == "active" }
    }

    public struct Route: Sendable, Hashable {
        public var method: String
        public var path: String
        public var status: Int?
        /// A route that answers 402 without payment (its errors list a 402).
        public var isPaid: Bool
        public var operationID: String?
        /// What one call costs (`price: "$0.01"` on the route), when the route says.
        public var price: UInt64?
        /// A concrete path for a route with parameters (`example: /v1/mailboxes/mbx_1`), to probe it.
        public var example: String?
        /// What the prim says of an unpaid request to this free route: `true`, it changes nothing
        /// however often it is sent (conformance may ask it although its method is not GET or HEAD);
        /// `false`, it must not be sent by a gate (a GET that is not safe). nil: as its method says.
        public var safeToRepeat: Bool?

        public init(
            method: String, path: String, status: Int?, isPaid: Bool, operationID: String? = nil,
            price: UInt64? = nil, example: String? = nil
        ) {
            self.method = method
            self.path = path
            self.status = status
            self.isPaid = isPaid
            self.operationID = operationID
            self.price = price
            self.example = example
        }

        /// `METHOD /path`, as routes_map writes it.
        public var name: String { "\(method) \(path)" }
        /// Whether the path has parameters (`:id`, `{id}` or `*`).
        public var hasParameters: Bool {
            path.split(separator: "/").contains { $0.hasPrefix(":") || $0.hasPrefix("{") || $0.contains("*") }
        }

        /// Whether `concrete` is a path this route serves: same segments, parameters filled.
        public func matches(_ concrete: String) -> Bool {
            let pattern = path.split(separator: "/", omittingEmptySubsequences: false)
            let parts = concrete.split(separator: "/", omittingEmptySubsequences: false)
            guard pattern.count == parts.count else { return false }
            return zip(pattern, parts).allSatisfy { want, got in
                want.hasPrefix(":") || want.hasPrefix("{") || want == "*" ? !got.isEmpty : want == got
            }
        }
    }

    public var unitName: String { UnitName.template(id) }
    public var isDeployed: Bool { status?.isDeployed ?? false }

    /// Every env key the prim needs: its `env` list and its active providers' keys.
    public var requiredEnv: [String] {
        var seen = Set<String>()
        var keys: [String] = []
        for key in env + providers.filter(\.isActive).flatMap(\.env) where seen.insert(key).inserted {
            keys.append(key)
        }
        return keys
    }

    public func origin(_ key: String) -> Origin {
        origins[key] ?? Origin(file: file, mark: mark)
    }
}

/// The `deploy:` block of a prim.yaml.
public struct DeploySpec: Sendable, Hashable {
    public var maxBodySize: String?
    public var accessLog: Bool = false
    public var systemdAfter: [String] = []
    public var extraCaddy: [String] = []
    /// Where each `extra_caddy` block is written, to point into it.
    public var extraCaddyOrigins: [TextOrigin] = []
    public var command: String?
    public var health = Health()
    /// The limits the prim sets itself (`memory_max`, `tasks_max`, `cpu_quota`, `open_files`,
    /// `tmp_size`); the host's apply to the rest.
    public var limits = UnitLimits.Overrides()
    public var restart: String?
    /// The host the prim runs on; may be omitted when the state has one host.
    public var host: String?
    /// Systemd hardening (NoNewPrivileges, ProtectSystem=strict…); on unless opted out.
    public var hardening: Bool = true

    public struct Health: Sendable, Hashable {
        public var path: String = "/"
        public var status: Int = 200
        public var timeoutSeconds: Int = 30
    }

    public init() {}

    /// Every key `deploy:` accepts.
    public static let keys = [
        "max_body_size", "access_log", "systemd_after", "extra_caddy",
        "command", "health", "memory_max", "restart", "host", "hardening", "tasks_max", "cpu_quota", "open_files",
        "tmp_size",
    ]
    public static let healthKeys = ["path", "status", "timeout"]
    public static let restartValues = [
        "no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always",
    ]
}

/// Where a multi-line YAML string starts, so a position inside its text can be named in the file.
public struct TextOrigin: Sendable, Hashable {
    public var file: String
    /// The scalar's own mark: the `|` indicator, the opening quote, or the first character.
    public var mark: Mark
    public var style: YAMLNode.ScalarStyle

    public init(file: String, node: YAMLNode) {
        self.file = file
        self.mark = node.mark
        if case .scalar(_, let style) = node.value { self.style = style } else { self.style = .plain }
    }

    /// A position inside the text (1-based line and column of the text) as a position in the file.
    /// A `|` block's content starts on the next line, indented one column left of the indicator's column.
    public func mark(line: Int, column: Int) -> Mark {
        if style == .block {
            return Mark(line: mark.line + line, column: mark.column - 1 + column)
        }
        let quote = style == .quoted ? 1 : 0
        return Mark(line: mark.line + line - 1, column: line == 1 ? mark.column + quote + column - 1 : column)
    }
}
