import PrimYAML

/// Where things live on the machine primctl and primd act on (`primd.yaml`).
public struct HostConfig: Sendable, Equatable {
    /// The `hosts/<name>.yaml` this machine is; nil means the state's only host.
    public var host: String?
    /// sd-bus address of the systemd manager; nil means the system bus.
    public var systemdBus: String?
    public var unitDir = "/etc/systemd/system"
    /// Caddy's admin API: `http://host:port`, or `unix:/path/admin.sock` (Caddy's `admin unix//path`) —
    /// the default, a socket in a directory only root and Caddy can enter, so no prim can reach it.
    public var caddyAdmin = "unix:/run/caddy/admin.sock"
    public var caddyFragmentDir = "/etc/caddy/prim.d"
    /// Plain-http listener of Caddy, used to check routes.
    public var caddyHTTP: String?
    /// The Caddyfile header (global options, snippets) every composed config starts with.
    public var caddyHeader = "/etc/prim/Caddyfile.header"
    /// The Caddyfile prim writes for Caddy's own restarts (`caddyMainText`); the package's drop-in
    /// for caddy.service starts Caddy from it.
    public var caddyMain: String?
    /// The operator's own Caddyfiles (`caddy.import`), imported after prim's sites in every config
    /// prim loads, so the operator's other sites keep serving. Caddy reads them; prim never writes them.
    public var caddyImports: [String] = []
    /// `https` (the default) serves prims on their bare host names, with certificates;
    /// `http` serves them as `http://<endpoint>` (a test machine with no certificates).
    public var caddyScheme = CaddyScheme.https
    /// Journal directory of the systemd manager; nil reads the local journal.
    public var journalDir: String?
    /// Env files, mode 0600 root: only the manager reads them, and prims cannot see this directory.
    public var envDir = "/etc/prim"
    /// Read for older configs and no longer used: env files belong to root alone.
    public var envGroup = "root"
    public var dataDir = "/var/lib/prim"
    /// Addresses the control plane listens on (primd, pr.sh, a DNS server's API): every prim's unit
    /// gets `IPAddressDeny=` for them, so a prim cannot reach them.
    public var denyAddresses = ["127.0.0.2"]
    public var dnsProvider: DNSProviderName?
    public var dnsAPI: String?
    public var dnsAPIKeyFile: String?
    /// The zone's authoritative server as `address:port`, asked directly (no recursion) whether a new record is served.
    public var dnsServer: String?
    /// Take over records prim did not create at the names it manages (`dns.adopt`, or `--adopt-dns`).
    public var dnsAdopt = false
    /// primd: let an apply delete more than the guard allows (`dns.allow_deletes`; primctl: `--allow-dns-deletes`).
    public var dnsAllowDeletes = false
    /// domain.sh: the file holding the host wallet's private key (0x and 64 hex digits, mode 0600), which pays every call.
    public var dnsWalletKeyFile: String?
    /// domain.sh: the network paid on (CAIP-2), the most one call may cost and the most one apply may
    /// pay, in atomic USDC units (`dns.max_per_call`, `dns.max_spend`: "$0.01", "$0.10").
    public var dnsNetwork = "eip155:8453"
    public var dnsMaxPerCall: UInt64 = 10_000
    public var dnsMaxSpend: UInt64 = 100_000
    /// primd's drift check reads a paid provider's records at most this often (`dns.drift_interval`,
    /// seconds; default an hour). Applies and diffs always read them.
    public var dnsDriftSeconds = 3600

    /// This host's age identity (X25519), 0600: what decrypts the `encrypted:` secrets of the state.
    /// Made by `primctl host init`; its recipient goes into `hosts/<name>.yaml` `secret_recipients`.
    public var identityFile = "/etc/prim/host.key"

    /// Certificates prim obtains itself by ACME DNS-01 (`tls:`); nil leaves every name to Caddy.
    public var tls: TLSSettings?

    /// primd's settings (the `controller:` block).
    public var controller = ControllerSettings()

    public init() {}

    /// Where prims keep their data, under /var/lib (systemd's `StateDirectory=`): each prim's is
    /// `/var/lib/<state_dir>/<name>` (`DesiredState.stateName`), kept across releases, versions and removal.
    public var stateDir = "prim-state"

    /// A prim's persistent directory, by its name (`DesiredState.stateName`), as the prim sees it (`$STATE_DIRECTORY`).
    public func statePath(of name: String) -> String { "/var/lib/\(stateDir)/\(name)" }

    public static let keys = [
        "host", "identity", "systemd", "caddy", "env_dir", "env_group", "data_dir", "dns", "controller", "confinement",
        "state_dir", "tls",
    ]

    /// Reads a host config, with every problem as a diagnostic against `file`.
    public static func parse(_ bytes: [UInt8], file: String) -> (HostConfig, [Diagnostic]) {
        let log = DiagnosticLog()
        var config = HostConfig()
        guard let root = StateLoader.parse(file, .file(bytes), log: log) else { return (config, log.sorted) }
        guard let pairs = root.pairs else {
            log.error(file, root.mark, "type-mismatch", "the host config must be a mapping")
            return (config, log.sorted)
        }
        let reader = FieldReader(log: log)
        let fields = FieldSet(pairs, file: file)
        reader.rejectUnknownKeys(fields, allowed: keys, context: "host config", code: "unknown-key")
        config.host = reader.string(fields["host"])
        config.identityFile = reader.string(fields["identity"]) ?? config.identityFile
        config.envDir = reader.string(fields["env_dir"]) ?? config.envDir
        config.envGroup = reader.string(fields["env_group"]) ?? config.envGroup
        config.dataDir = reader.string(fields["data_dir"]) ?? config.dataDir
        if let systemd = reader.mapping(fields["systemd"]) {
            let f = FieldSet(systemd, file: file)
            reader.rejectUnknownKeys(
                f, allowed: ["bus", "unit_dir", "journal_dir"], context: "systemd", code: "unknown-key")
            config.systemdBus = reader.string(f["bus"])
            config.journalDir = reader.string(f["journal_dir"])
            config.unitDir = reader.string(f["unit_dir"]) ?? config.unitDir
        }
        if let caddy = reader.mapping(fields["caddy"]) {
            let f = FieldSet(caddy, file: file)
            reader.rejectUnknownKeys(
                f, allowed: ["admin", "fragment_dir", "http", "header", "import", "main", "scheme"], context: "caddy",
                code: "unknown-key")
            if let scheme = f["scheme"], let value = reader.string(scheme) {
                if let value = CaddyScheme(rawValue: value) {
                    config.caddyScheme = value
                } else {
                    log.error(
                        file, scheme.value.mark, "invalid-scheme", "caddy.scheme must be http or https, got '\(value)'")
                }
            }
            config.caddyHeader = reader.string(f["header"]) ?? config.caddyHeader
            config.caddyMain = reader.string(f["main"])
            config.caddyAdmin = reader.string(f["admin"]) ?? config.caddyAdmin
            config.caddyFragmentDir = reader.string(f["fragment_dir"]) ?? config.caddyFragmentDir
            config.caddyHTTP = reader.string(f["http"])
            if let field = f["import"] {
                for (path, mark) in reader.strings(field) {
                    if path.hasPrefix("/") && !path.contains(where: \.isWhitespace) {
                        config.caddyImports.append(path)
                    } else {
                        log.error(
                            file, mark, "invalid-import",
                            "caddy.import entry '\(path)' must be an absolute path of a Caddyfile, like /etc/caddy/Caddyfile"
                        )
                    }
                }
            }
        }
        if let dns = reader.mapping(fields["dns"]) {
            let f = FieldSet(dns, file: file)
            reader.rejectUnknownKeys(
                f,
                allowed: [
                    "provider", "api", "api_key_file", "server", "adopt", "allow_deletes", "wallet_key_file",
                    "network", "max_per_call", "max_spend", "drift_interval",
                ], context: "dns", code: "unknown-key")
            if let field = f["drift_interval"], let seconds = reader.int(field) {
                if seconds > 0 {
                    config.dnsDriftSeconds = seconds
                } else {
                    log.error(
                        file, field.value.mark, "invalid-number",
                        "'dns.drift_interval' must be a positive number of seconds")
                }
            }
            config.dnsWalletKeyFile = reader.string(f["wallet_key_file"])
            config.dnsNetwork = reader.string(f["network"]) ?? config.dnsNetwork
            for (key, keyPath) in [("max_per_call", \HostConfig.dnsMaxPerCall), ("max_spend", \HostConfig.dnsMaxSpend)]
            {
                guard let field = f[key], let text = reader.string(field) else { continue }
                if let atomic = USDC.atomic(text) {
                    config[keyPath: keyPath] = atomic
                } else {
                    log.error(
                        file, field.value.mark, "invalid-price",
                        "'dns.\(key)' must be a USDC amount with at most 6 decimals, like \"$0.10\"")
                }
            }
            config.dnsAdopt = reader.bool(f["adopt"]) ?? false
            config.dnsAllowDeletes = reader.bool(f["allow_deletes"]) ?? false
            config.dnsProvider = reader.string(f["provider"]).map(DNSProviderName.init(rawValue:))
            config.dnsAPI = reader.string(f["api"])
            config.dnsAPIKeyFile = reader.string(f["api_key_file"])
            config.dnsServer = reader.string(f["server"])
        }
        if let field = fields["state_dir"], let value = reader.string(field) {
            let parts = value.split(separator: "/", omittingEmptySubsequences: false)
            // Its own name under /var/lib: systemd moves an existing directory of a prim's name into
            // the prim's hands, so `state_dir` must not be (or lie in) one of the host's own.
            if !value.hasPrefix("prim-") || "/var/lib/\(value)" == config.dataDir
                || config.dataDir.hasPrefix("/var/lib/\(value)/")
                || parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." })
                || !value.unicodeScalars.allSatisfy({
                    $0.isASCII
                        && ($0.properties.isAlphabetic || ("0"..."9").contains($0)
                            || "-_./".unicodeScalars.contains($0))
                })
            {
                log.error(
                    file, field.value.mark, "invalid-path",
                    "state_dir '\(value)' must be a path under /var/lib of its own, starting with 'prim-' (like prim-state) and apart from data_dir"
                )
            } else {
                config.stateDir = value
            }
        }
        if let confinement = reader.mapping(fields["confinement"]) {
            let f = FieldSet(confinement, file: file)
            reader.rejectUnknownKeys(f, allowed: ["deny_addresses"], context: "confinement", code: "unknown-key")
            if let field = f["deny_addresses"] {
                config.denyAddresses = []
                for (address, mark) in reader.strings(field) {
                    if address.isEmpty || !address.allSatisfy({ $0.isASCII && ($0.isHexDigit || ".:/".contains($0)) }) {
                        log.error(
                            file, mark, "invalid-address",
                            "confinement.deny_addresses entry '\(address)' must be an IP address or prefix like 127.0.0.2 or 10.0.0.0/8"
                        )
                    } else {
                        config.denyAddresses.append(address)
                    }
                }
            }
        }
        if let pairs = reader.mapping(fields["tls"]) {
            config.tls = TLSSettings.parse(FieldSet(pairs, file: file), file: file, reader: reader)
        }
        if let pairs = reader.mapping(fields["controller"]) {
            config.controller = ControllerSettings.parse(FieldSet(pairs, file: file), reader: reader)
        }
        return (config, log.sorted)
    }
}

/// What primd watches and how (`controller:` in the host config).
public struct ControllerSettings: Sendable, Equatable {
    /// The repository: a path or a file://, git://, http(s):// URL.
    public var repo: String?
    public var branch = "main"
    /// The state folder inside the repository.
    public var statePath = ""
    public var pollSeconds = 60.0
    /// `host:port` of primd's HTTP listener, on the control address (`confinement.deny_addresses`), which prims cannot reach.
    public var listen = "127.0.0.2:8470"
    /// File holding the GitHub webhook secret; without it, /hooks/git answers 404.
    public var webhookSecretFile: String?
    public var driftSeconds = 300.0
    /// How often primd asks every running prim its gate and conformance again (what promotion reads).
    public var conformanceSeconds = 60.0
    /// `repair` (self-heal) or `warn` (report only).
    public var driftMode = DriftMode.repair
    /// An allowed-signers file (ssh-keygen's format); when set, only commits signed by one of its keys are applied.
    public var allowedSigners: String?
    /// A file holding a token for http(s) repositories (sent as user `x-access-token`, as GitHub expects);
    /// read before every fetch, so a rotated token needs no restart.
    public var tokenFile: String?
    /// A PEM file of the certificate authorities an https repository's certificate must chain to,
    /// in place of the system's bundle; read before every fetch.
    public var caFile: String?
    /// Let one commit remove more than max(3, 30 %) of the host's deployed prims.
    public var allowMassDelete = false
    /// Apply a branch head that does not descend from the revision the host runs (a force-push,
    /// unrelated history, an older commit). Off: such a head waits for `primctl reconcile --allow-rewrite`.
    public var allowRewrites = false
    public init() {}

    static let keys = [
        "repo", "branch", "state_path", "poll_interval", "listen", "webhook_secret_file", "drift_interval",
        "drift_mode",
        "allowed_signers", "token_file", "ca_file", "allow_mass_delete", "conformance_interval", "allow_rewrites",
    ]

    static func parse(_ fields: FieldSet, reader: FieldReader) -> ControllerSettings {
        reader.rejectUnknownKeys(fields, allowed: keys, context: "controller", code: "unknown-key")
        var settings = ControllerSettings()
        settings.repo = reader.string(fields["repo"])
        settings.branch = reader.string(fields["branch"]) ?? settings.branch
        settings.statePath = reader.string(fields["state_path"]) ?? settings.statePath
        settings.listen = reader.string(fields["listen"]) ?? settings.listen
        settings.webhookSecretFile = reader.string(fields["webhook_secret_file"])
        settings.allowedSigners = reader.string(fields["allowed_signers"])
        settings.tokenFile = reader.string(fields["token_file"])
        settings.caFile = reader.string(fields["ca_file"])
        settings.allowMassDelete = reader.bool(fields["allow_mass_delete"]) ?? false
        settings.allowRewrites = reader.bool(fields["allow_rewrites"]) ?? false
        if let seconds = reader.int(fields["poll_interval"]) { settings.pollSeconds = Double(max(1, seconds)) }
        if let seconds = reader.int(fields["drift_interval"]) { settings.driftSeconds = Double(max(1, seconds)) }
        if let seconds = reader.int(fields["conformance_interval"]) {
            settings.conformanceSeconds = Double(max(1, seconds))
        }
        if let mode = fields["drift_mode"], let value = reader.string(mode) {
            if let value = DriftMode(rawValue: value) {
                settings.driftMode = value
            } else {
                reader.log.error(
                    mode.file, mode.value.mark, "invalid-drift-mode",
                    "controller.drift_mode must be repair or warn, got '\(value)'")
            }
        }
        return settings
    }
}
