import PrimYAML

/// The certificates prim obtains and renews itself by ACME DNS-01 (`tls:` in the host config):
/// wildcards (`*.prim.sh`) that cover every prim's name, so Caddy makes no order of its own for them.
public struct TLSSettings: Sendable, Equatable {
    /// The ACME directory (Let's Encrypt's is the default).
    public var directory = TLSSettings.letsEncrypt
    /// The account's contacts (`mailto:` URLs).
    public var contact: [String] = []
    /// A PEM file of the authorities the ACME server's own https certificate must chain to, in
    /// place of the system's (a test CA such as Pebble).
    public var caFile: String?
    /// Where the account key, the certificates and their records live. `live/` is the folder
    /// Caddy loads (`tls { load … }`); see `CertificatePaths`.
    public var store = "/etc/prim/tls"
    /// The group that may read the live certificates and their keys (Caddy's user's). Unset:
    /// `caddy` when the host has that group, else root only.
    public var keyGroup: String?
    /// Renew when less than this is left; nil renews when a third of the lifetime is left.
    public var renewBeforeSeconds: Int?
    public var certificates: [Certificate] = []
    /// The host config file, for diagnostics that compare it with the state.
    public var file = ""

    public static let letsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"

    /// One certificate: every name it holds (at most one wildcard label each), where each is written.
    public struct Certificate: Sendable, Equatable {
        public var names: [String]
        public var marks: [Mark]

        public init(names: [String], marks: [Mark] = []) {
            self.names = names
            self.marks = marks.count == names.count ? marks : names.map { _ in Mark.start }
        }

        /// The certificate's name in plans and file names: its first name.
        public var name: String { names.first ?? "" }

        /// Whether a host name is one this certificate serves (a wildcard covers one label).
        public func covers(_ host: String) -> Bool {
            let host = host.lowercased()
            return names.contains { name in
                if name == host { return true }
                guard name.hasPrefix("*."), let dot = host.firstIndex(of: ".") else { return false }
                return host[host.index(after: dot)...] == name.dropFirst(2) && host[..<dot] != "*"
            }
        }
    }

    public init() {}

    /// The name a certificate name's DNS-01 record proves: a wildcard's base (`*.prim.sh` → `prim.sh`).
    public static func base(_ name: String) -> String { name.hasPrefix("*.") ? String(name.dropFirst(2)) : name }

    /// The certificate that serves `host`, if one does.
    public func certificate(covering host: String) -> Certificate? { certificates.first { $0.covers(host) } }

    static let keys = ["acme", "contact", "ca_file", "store", "key_group", "renew_before", "certificates"]

    static func parse(_ fields: FieldSet, file: String, reader: FieldReader) -> TLSSettings {
        let log = reader.log
        reader.rejectUnknownKeys(fields, allowed: keys, context: "tls", code: "unknown-key")
        var tls = TLSSettings()
        tls.file = file
        if let field = fields["acme"], let url = reader.string(field) {
            if url.hasPrefix("https://") {
                tls.directory = url
            } else {
                log.error(
                    file, field.value.mark, "invalid-url",
                    "tls.acme must be the https:// URL of an ACME directory, like \(letsEncrypt)")
            }
        }
        for (contact, mark) in reader.strings(fields["contact"]) {
            if contact.hasPrefix("mailto:"), contact.count > 7, !contact.contains(where: \.isWhitespace) {
                tls.contact.append(contact)
            } else {
                log.error(
                    file, mark, "invalid-contact",
                    "tls.contact entry '\(contact)' must be a mailto: URL, like mailto:ops@prim.sh")
            }
        }
        tls.caFile = reader.string(fields["ca_file"])
        if let field = fields["store"], let store = reader.string(field) {
            if store.hasPrefix("/"), !store.contains(where: \.isWhitespace), store != "/" {
                tls.store = store.hasSuffix("/") ? String(store.dropLast()) : store
            } else {
                log.error(
                    file, field.value.mark, "invalid-path",
                    "tls.store must be an absolute path without spaces, like /etc/prim/tls")
            }
        }
        tls.keyGroup = reader.string(fields["key_group"])
        if let field = fields["renew_before"], let text = reader.string(field) {
            if let seconds = Self.seconds(text) {
                tls.renewBeforeSeconds = seconds
                if seconds > 60 * 86_400 {
                    log.warning(
                        file, field.value.mark, "renew-every-apply",
                        "tls.renew_before \(text) is more than half of a 90-day certificate's life: it renews at almost every apply and drift check (Let's Encrypt allows 5 duplicate certificates a week); 30d is usual"
                    )
                }
            } else {
                log.error(
                    file, field.value.mark, "invalid-duration",
                    "tls.renew_before must be a duration like 30d, 720h or 3600s, got '\(text)'")
            }
        }
        var seen: [String: Mark] = [:]
        for (item, certificate) in reader.mappings(fields["certificates"], expected: "a mapping with names:") {
            reader.rejectUnknownKeys(
                certificate, allowed: ["names"], context: "tls.certificates[]", code: "unknown-key")
            var names: [String] = []
            var marks: [Mark] = []
            for (raw, mark) in reader.strings(certificate["names"]) {
                let name = raw.lowercased()
                if let problem = Self.nameProblem(name) {
                    log.error(file, mark, "tls-name", "certificate name '\(raw)' \(problem)")
                } else if let first = seen[name] {
                    log.error(
                        file, mark, "tls-duplicate",
                        "certificate name '\(raw)' is already asked for at line \(first.line); a name belongs to one certificate"
                    )
                } else {
                    seen[name] = mark
                    names.append(name)
                    marks.append(mark)
                }
            }
            if certificate["names"] == nil {
                log.error(
                    file, item.mark, "tls-names", "a certificate needs names:, like names: [\"*.prim.sh\", \"prim.sh\"]"
                )
            } else if !names.isEmpty {
                tls.certificates.append(Certificate(names: names, marks: marks))
            }
        }
        return tls
    }

    /// What is wrong with a certificate name, if anything: a DNS name of at least two labels, with
    /// `*` only as a whole first label (one level: `*.prim.sh`, not `*.*.prim.sh` or `a.*.prim.sh`).
    static func nameProblem(_ name: String) -> String? {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if labels.dropFirst().contains(where: { $0.contains("*") })
            || (labels.first?.contains("*") == true && labels.first != "*")
        {
            return
                "has a wildcard deeper than one label; a wildcard is '*.' followed by a name (*.prim.sh), which covers one label"
        }
        let base = labels.first == "*" ? Array(labels.dropFirst()) : labels
        let valid =
            base.count >= 2 && name.utf8.count <= 253
            && base.allSatisfy { label in
                !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            }
        return valid
            ? nil : "is not a DNS name of two labels or more (letters, digits and '-', like prim.sh or *.prim.sh)"
    }

    /// `30d`, `720h`, `90m`, `3600s` or a number of seconds.
    static func seconds(_ text: String) -> Int? {
        let units: [Character: Int] = ["d": 86_400, "h": 3_600, "m": 60, "s": 1]
        if let number = Int(text), number > 0 { return number }
        guard let unit = text.last.flatMap({ units[$0] }), let number = Int(text.dropLast()), number > 0 else {
            return nil
        }
        let (seconds, overflow) = number.multipliedReportingOverflow(by: unit)
        return overflow ? nil : seconds
    }
}

/// Where a host keeps what ACME gives it, below `tls.store` (as certbot keeps /etc/letsencrypt):
/// the account key (0600, root); `live/`, the folder Caddy loads, one `<name>.pem` a certificate
/// (its chain, then its key: 0640, root and `tls.key_group`); `records/`, each certificate's
/// issuance record (the CA that issued it, failures and the next try, TXT records of an order under way).
public struct CertificatePaths: Sendable, Equatable {
    public let store: String

    public init(store: String) { self.store = store }

    /// The store a certificate file (`<store>/live/<name>.pem`) was written to.
    public init(bundle: String) {
        var parts = bundle.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(min(2, parts.count))
        store = parts.joined(separator: "/")
    }

    public var accountKey: String { "\(store)/account.key" }
    public var live: String { "\(store)/live" }
    public var records: String { "\(store)/records" }
    /// A certificate's file name, from its first name: `*` (never part of a valid label) becomes `_`.
    public static func fileName(_ name: String) -> String { stem(name) + ".pem" }
    public func bundle(_ name: String) -> String { "\(live)/\(Self.fileName(name))" }
    public func record(_ name: String) -> String { "\(records)/\(Self.stem(name)).json" }
    static func stem(_ name: String) -> String { String(name.map { $0 == "*" ? "_" : $0 }) }
}

extension TLSSettings {
    public var paths: CertificatePaths { CertificatePaths(store: store) }
}
