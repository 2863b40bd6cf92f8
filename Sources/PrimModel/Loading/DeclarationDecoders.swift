import PrimAgeFormat
import PrimYAML

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Reads hosts, secrets, DNS zones, providers and the policy.
struct DeclarationDecoder {
    let reader: FieldReader
    var log: DiagnosticLog { reader.log }

    /// The name a file declares, checked against its file name.
    private func name(_ fields: FieldSet, key: String, stem: String, file: String, what: String) -> String {
        guard let field = fields[key], let declared = reader.string(field) else { return stem }
        if declared != stem {
            log.error(
                field.file, field.value.mark, "name-mismatch",
                "\(what) '\(declared)' is declared in \(file); rename the file to \(declared).yaml or the \(key) to '\(stem)'"
            )
        }
        return declared
    }

    private func required(_ fields: FieldSet, _ key: String, file: String, mark: Mark, what: String) -> String? {
        guard fields[key] != nil else {
            log.error(file, mark, "missing-key", "\(what) needs '\(key)'")
            return nil
        }
        return reader.string(fields[key])
    }

    func host(_ pairs: [YAMLNode.Pair], file: String, stem: String, mark: Mark) -> Host {
        let fields = FieldSet(pairs, file: file)
        reader.rejectUnknownKeys(fields, allowed: Host.keys, context: "host", code: "unknown-key")
        var host = Host.implicit(file: file)
        host.name = name(fields, key: "name", stem: stem, file: file, what: "host")
        host.mark = mark
        host.domain = required(fields, "domain", file: file, mark: mark, what: "a host") ?? host.domain
        if let f = fields["domain"], !PrimDecoder.isValidHostName(host.domain) {
            log.error(
                f.file, f.value.mark, "invalid-domain",
                "domain '\(host.domain.debugDescriptionEscaped)' is not a DNS name like prim.sh")
        }
        host.address = address(fields["address"], v6: false)
        host.address6 = address(fields["address6"], v6: true)
        for key in ["run", "workdir", "user", "group"] {
            guard let f = fields[key], let value = reader.string(f),
                reader.requireOneLine(value, file: f.file, mark: f.value.mark, key: key)
            else { continue }
            switch key {
            case "run":
                if reader.requireCommand(value, file: f.file, mark: f.value.mark, key: "run") { host.run = value }
            case "workdir":
                if value.hasPrefix("/") {
                    host.workdir = value
                } else {
                    log.error(f.file, f.value.mark, "invalid-path", "workdir '\(value)' must be an absolute path")
                }
            case "user": host.user = value
            default: host.group = value
            }
        }
        if let envPairs = reader.mapping(fields["env"]) {
            for pair in envPairs {
                guard let key = pair.key.scalarText else { continue }
                if !PrimDecoder.isValidEnvKey(key) {
                    log.error(
                        file, pair.key.mark, "invalid-env-key",
                        "env key '\(key)' must be letters, digits and '_', not starting with a digit")
                    continue
                }
                guard let value = pair.value.scalarText, pair.value.sequence == nil, pair.value.pairs == nil else {
                    reader.typeError(file, pair.value, "env.\(key)", expected: "a string")
                    continue
                }
                guard reader.requireOneLine(value, file: file, mark: pair.value.mark, key: "env.\(key)") else {
                    continue
                }
                // What prims put in their x402 challenges, and conformance compares them with.
                if key == "PRIM_PAY_TO", !value.isEmpty, !EVMAddress.isStrict(value) {
                    log.error(
                        file, pair.value.mark, "invalid-env-value",
                        "env PRIM_PAY_TO '\(value.debugDescriptionEscaped)' is not an EVM address as x402 writes one: 0x and 40 hex digits, EIP-55 checksummed or in lower case (the wallet the prims are paid to)"
                    )
                    continue
                }
                if key == "PRIM_NETWORK", !value.isEmpty, !USDC.networks.contains(value) {
                    log.error(
                        file, pair.value.mark, "invalid-env-value",
                        "env PRIM_NETWORK '\(value.debugDescriptionEscaped)' is not a network prim knows USDC on: eip155:8453 (Base) or eip155:84532 (Base Sepolia)"
                    )
                    continue
                }
                host.env[key] = value
            }
        }
        host.secretRecipients = reader.strings(fields["secret_recipients"]).map(\.0)
        if let field = fields["capacity"], let capacity = reader.int(field) {
            if capacity >= 0 {
                host.capacity = capacity
                host.capacityMark = field.value.mark
            } else {
                log.error(
                    field.file, field.value.mark, "invalid-number",
                    "capacity must be the number of prims the host takes, 0 or more")
            }
        }
        host.agents = reader.bool(fields["agents"]) ?? true
        if let field = fields["control"], let url = reader.string(field) {
            if (url.hasPrefix("http://") || url.hasPrefix("https://")) && !url.contains(where: \.isWhitespace)
                && !url.dropFirst(8).contains("@")
            {
                host.control = url.hasSuffix("/") ? String(url.dropLast()) : url
            } else {
                log.error(
                    field.file, field.value.mark, "invalid-url",
                    "control must be the http(s) URL of the host's primd, like http://10.0.0.11:8470 (no credentials)")
            }
        }
        if let limits = reader.mapping(fields["limits"]) {
            let f = FieldSet(limits, file: file)
            reader.rejectUnknownKeys(f, allowed: UnitLimits.keys, context: "limits", code: "unknown-key")
            host.limits = host.limits.with(DeployDecoder(reader: reader).limits(f))
        }
        for (path, mark) in reader.strings(fields["shared"]) {
            if path.hasPrefix("/") || path.split(separator: "/").contains("..") || path.isEmpty {
                log.error(
                    file, mark, "invalid-path",
                    "shared path '\(path)' must be relative to the state root and stay inside it")
            } else {
                host.shared.append(path)
            }
        }
        return host
    }

    private func address(_ field: Field?, v6: Bool) -> String? {
        guard let field, let text = reader.string(field) else { return nil }
        let valid = v6 ? IPAddress.isV6(text) : IPAddress.isV4(text)
        if !valid {
            log.error(
                field.file, field.value.mark, "invalid-address",
                "\(field.key) '\(text.debugDescriptionEscaped)' is not an IPv\(v6 ? 6 : 4) address")
            return nil
        }
        return text
    }

    func secret(_ pairs: [YAMLNode.Pair], file: String, stem: String, mark: Mark) -> SecretSpec {
        let fields = FieldSet(pairs, file: file)
        reader.rejectUnknownKeys(fields, allowed: SecretSpec.keys, context: "secret", code: "unknown-key")
        let name = self.name(fields, key: "name", stem: stem, file: file, what: "secret")
        if !PrimDecoder.isValidEnvKey(name) {
            log.error(
                file, fields["name"]?.value.mark ?? mark, "invalid-secret-name",
                "secret name '\(name)' must be an env key: letters, digits and '_', not starting with a digit")
        }
        let encrypted = reader.string(fields["encrypted"])
        let external = reader.bool(fields["external"]) ?? false
        if encrypted == nil && !external {
            log.error(
                file, mark, "secret-source",
                "secret '\(name)' needs a value: 'encrypted: <age armor>' or 'external: true' (set on the host with `primctl secret set \(name)`)"
            )
        } else if encrypted != nil && external {
            log.error(
                file, fields["external"]!.keyNode.mark, "secret-source",
                "secret '\(name)' is both 'encrypted' and 'external'; keep one")
        }
        if let encrypted, let f = fields["encrypted"], !encrypted.hasPrefix("-----BEGIN AGE ENCRYPTED FILE-----") {
            log.error(
                f.file, f.value.mark, "secret-plaintext",
                "secret '\(name)' 'encrypted' is not an age-armored value; encrypt it with `age -a -r <recipient>` — never commit a plain value"
            )
        } else if let encrypted, let f = fields["encrypted"], let problem = AgeFile.problem(armored: encrypted) {
            log.error(
                f.file, f.value.mark, "secret-format",
                "secret '\(name)' 'encrypted' is not a valid age file: \(problem); encrypt it again with `primctl secret encrypt \(name)` or `age -a -r <recipient>`"
            )
        }
        let prims = reader.strings(fields["prims"])
        return SecretSpec(
            name: name, file: file, mark: mark, prims: prims.map(\.0), encrypted: encrypted,
            description: reader.string(fields["description"]),
            primMarks: Dictionary(prims, uniquingKeysWith: { first, _ in first }))
    }

    func zone(_ pairs: [YAMLNode.Pair], file: String, stem: String, mark: Mark) -> DNSZone {
        let fields = FieldSet(pairs, file: file)
        reader.rejectUnknownKeys(fields, allowed: DNSZone.keys, context: "zone", code: "unknown-key")
        let zone = name(fields, key: "zone", stem: stem, file: file, what: "zone")
        if !PrimDecoder.isValidHostName(zone) {
            log.error(
                file, fields["zone"]?.value.mark ?? mark, "invalid-domain",
                "zone '\(zone)' is not a DNS name like prim.sh")
        }
        let provider = required(fields, "provider", file: file, mark: mark, what: "a zone") ?? ""
        let defaultTTL = reader.int(fields["ttl"]) ?? 300
        var records: [DNSZone.Record] = []
        if let f = fields["records"], let items = f.value.sequence {
            for item in items {
                guard let recordPairs = item.pairs else {
                    reader.typeError(file, item, "records[]", expected: "a mapping with name, type and content")
                    continue
                }
                let r = FieldSet(recordPairs, file: file)
                reader.rejectUnknownKeys(r, allowed: DNSZone.recordKeys, context: "record", code: "unknown-key")
                guard let name = required(r, "name", file: file, mark: item.mark, what: "a record"),
                    let type = required(r, "type", file: file, mark: item.mark, what: "a record"),
                    let content = required(r, "content", file: file, mark: item.mark, what: "a record")
                else { continue }
                guard DNSZone.recordTypes.contains(type) else {
                    log.error(
                        file, r["type"]!.value.mark, "invalid-record-type",
                        "record type '\(type)'\(Suggestion.hint(for: type, in: DNSZone.recordTypes)) must be one of \(DNSZone.recordTypes.joined(separator: ", "))"
                    )
                    continue
                }
                var marks: [String: Mark] = [:]
                for key in DNSZone.recordKeys { if let field = r[key] { marks[key] = field.value.mark } }
                records.append(
                    DNSZone.Record(
                        name: name, type: type, content: content, ttl: reader.int(r["ttl"]) ?? defaultTTL,
                        mark: item.mark, fieldMarks: marks))
            }
        } else if let f = fields["records"], !f.value.isNull {
            reader.typeError(file, f.value, "records", expected: "a list of records")
        }
        var result = DNSZone(zone: zone, file: file, mark: mark, provider: provider, records: records)
        result.ttl = defaultTTL
        result.ttlMark = fields["ttl"]?.value.mark
        return result
    }

    func provider(_ pairs: [YAMLNode.Pair], file: String, stem: String, mark: Mark) -> ProviderSpec {
        let fields = FieldSet(pairs, file: file)
        reader.rejectUnknownKeys(fields, allowed: ProviderSpec.keys, context: "provider", code: "unknown-key")
        let name = self.name(fields, key: "name", stem: stem, file: file, what: "provider")
        return ProviderSpec(
            name: name, file: file, mark: mark, env: reader.strings(fields["env"]).map(\.0),
            docs: reader.string(fields["docs"]))
    }

    func owner(_ pairs: [YAMLNode.Pair], file: String, stem: String, mark: Mark) -> PrimOwner {
        let fields = FieldSet(pairs, file: file)
        reader.rejectUnknownKeys(fields, allowed: PrimOwner.keys, context: "owner", code: "unknown-key")
        let wallet = reader.string(fields["wallet"]) ?? ""
        let hex = wallet.utf8.dropFirst(2)
        if !(wallet.hasPrefix("0x") && hex.count == 40
            && hex.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0) }
            ))
        {
            log.error(
                file, fields["wallet"]?.value.mark ?? mark, "invalid-owner",
                "'wallet' must be the owner's address, 0x and 40 hex digits")
        }
        var pr: Int?
        if let field = fields["pr"] { pr = reader.int(field) }
        return PrimOwner(prim: stem, wallet: wallet.lowercased(), pullRequest: pr, file: file, mark: mark)
    }

    func policy(_ pairs: [YAMLNode.Pair], file: String) -> Policy {
        let fields = FieldSet(pairs, file: file)
        reader.rejectUnknownKeys(fields, allowed: Policy.keys, context: "policy", code: "unknown-key")
        var policy = Policy()
        policy.isDeclared = true
        if fields["agent_paths"] != nil { policy.agentPaths = reader.strings(fields["agent_paths"]).map(\.0) }
        if fields["protected_paths"] != nil {
            policy.protectedPaths = reader.strings(fields["protected_paths"]).map(\.0)
        }
        if let merge = reader.mapping(fields["auto_merge"]) {
            let m = FieldSet(merge, file: file)
            reader.rejectUnknownKeys(m, allowed: Policy.autoMergeKeys, context: "auto_merge", code: "unknown-key")
            policy.autoMergeNewPrims = reader.bool(m["new_prims"]) ?? policy.autoMergeNewPrims
            policy.autoMergeNonLive = reader.bool(m["non_live"]) ?? policy.autoMergeNonLive
        }
        if let rates = reader.mapping(fields["rate_limits"]) {
            let r = FieldSet(rates, file: file)
            reader.rejectUnknownKeys(r, allowed: Policy.rateKeys, context: "rate_limits", code: "unknown-key")
            policy.perHour = positive(r["per_hour"]) ?? policy.perHour
            policy.perDay = positive(r["per_day"]) ?? policy.perDay
        }
        policy.cooldownAfterRed = positive(fields["cooldown_after_red"]) ?? policy.cooldownAfterRed
        policy.staleDays = positive(fields["stale_days"]) ?? policy.staleDays
        if let prices = reader.mapping(fields["prices"]) {
            let p = FieldSet(prices, file: file)
            reader.rejectUnknownKeys(p, allowed: Policy.Prices.keys, context: "prices", code: "unknown-key")
            for action in PRAction.allCases {
                policy.prices[action] = price(p[action.rawValue]) ?? policy.prices[action]
            }
        }
        if let promotion = reader.mapping(fields["promotion"]) {
            let p = FieldSet(promotion, file: file)
            reader.rejectUnknownKeys(p, allowed: Policy.promotionKeys, context: "promotion", code: "unknown-key")
            if let field = p["min_testing_minutes"], let minutes = reader.int(field) {
                if minutes < 0 || minutes > 100_000 {
                    log.error(
                        field.file, field.value.mark, "invalid-number",
                        "'promotion.min_testing_minutes' must be a number of minutes from 0 to 100000")
                } else {
                    policy.minTestingMinutes = minutes
                }
            }
        }
        return policy
    }

    /// A USDC amount above zero (`"$0.05"`), in atomic units.
    private func price(_ field: Field?) -> UInt64? {
        guard let field, let text = reader.string(field) else { return nil }
        guard let atomic = USDC.atomic(text), atomic > 0 else {
            log.error(
                field.file, field.value.mark, "invalid-price",
                "'prices.\(field.key)' must be a USDC amount above zero with at most 6 decimals, like \"$0.05\"; a price of zero is not allowed: the payment is the proof of who calls"
            )
            return nil
        }
        return atomic
    }

    private func positive(_ field: Field?) -> Int? {
        guard let field, let value = reader.int(field) else { return nil }
        guard value > 0 else {
            log.error(field.file, field.value.mark, "invalid-number", "'\(field.key)' must be a positive number")
            return nil
        }
        return value
    }
}

/// Textual IP address checks.
enum IPAddress {
    static func isV4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let n = Int(part) else {
                    return false
                }
                return n <= 255 && (part == "0" || !part.hasPrefix("0"))
            }
    }

    static func isV6(_ text: String) -> Bool {
        guard text.contains(":"), text.count <= 45 else { return false }
        let groups = text.components(separatedBy: "::")
        guard groups.count <= 2 else { return false }
        let hexes = groups.flatMap { $0.split(separator: ":", omittingEmptySubsequences: true) }
        guard hexes.count <= (groups.count == 2 ? 7 : 8), groups.count == 2 || hexes.count == 8 else { return false }
        return hexes.allSatisfy { $0.count <= 4 && $0.allSatisfy(\.isHexDigit) }
    }
}
