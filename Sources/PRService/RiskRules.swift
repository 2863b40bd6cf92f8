import PrimModel

/// The changes an unattended merge must never make, whatever the prim's status: each asks for an
/// operator's approval and names its rule. Pure; `base` is main's state, `head` main with the change.
public enum RiskRules {
    /// A named rule, as the PR shows it.
    public enum Rule: String, CaseIterable, Sendable {
        case rawCaddy = "raw-caddy"
        case sharedCode = "shared-code"
        case secretConsumers = "secret-consumers"
        case undeclaredSecret = "undeclared-secret"
        case everyPrim = "every-prim"
        case hardening = "hardening"
        case resourceLimits = "resource-limits"
        case secretHolder = "secret-holder"
        case externalSecret = "external-secret"
        case endpoint = "endpoint"
        case dnsTarget = "dns-target"
        /// A prim created over files another change left in its package folder (PackageFolders).
        case packageLeftovers = "package-leftovers"
        /// A zone-file record that decides who may get a certificate for the zone's names: a CAA
        /// record, or any record at an `_acme-challenge` name (a CNAME or NS there sends the CA's
        /// DNS-01 check elsewhere; anything there is in the way of prim's own orders).
        case certificateControl = "certificate-control"
        /// A deployed prim placed on another host: its persistent directory stays on the host it leaves.
        case move = "move"
    }

    /// `paths` are the changed files, relative to the state root.
    public static func reasons(paths: [String], base: DesiredState, head: DesiredState) -> [String] {
        var reasons: [String] = []
        func add(_ rule: Rule, _ text: String) { reasons.append("\(text) (rule \(rule.rawValue))") }

        for zone in head.zones.sorted(by: { $0.apex < $1.apex }) {
            let old = base.zones.first { $0.apex == zone.apex }
            func key(_ record: DNSZone.Record, _ zone: DNSZone) -> String {
                "\(zone.absolute(record.name)) \(record.type) \(record.content)"
            }
            let existing = Set(old.map { old in old.records.map { key($0, old) } } ?? [])
            for record in zone.records where !existing.contains(key(record, zone)) {
                let labels = zone.absolute(record.name).split(separator: ".")
                if record.type == "CAA" || labels.contains("_acme-challenge") {
                    add(
                        .certificateControl,
                        "\(zone.file) adds \(record.type) '\(record.name)', which decides who may get a certificate for names in \(zone.apex)"
                    )
                }
            }
        }
        for prim in head.prims.sorted(by: { $0.id < $1.id }) where prim.isDeployed {
            guard let before = base.prim(prim.id), before.isDeployed, let from = base.host(for: before),
                let to = head.host(for: prim), from.name != to.name
            else { continue }
            add(
                .move,
                "prim '\(prim.id)' moves from host \(from.name) to \(to.name): its data (its persistent directory, /var/lib/<state_dir>/\(head.stateName(of: prim.id))) stays on \(from.name), and nothing copies it"
            )
        }
        for prim in head.prims.sorted(by: { $0.id < $1.id }) {
            let before = base.prim(prim.id)
            if prim.deploy.extraCaddy != (before?.deploy.extraCaddy ?? []) && !prim.deploy.extraCaddy.isEmpty {
                add(
                    .rawCaddy,
                    "prim '\(prim.id)' adds or changes deploy.extra_caddy, raw configuration of the Caddy every prim shares"
                )
            }
            if !prim.deploy.hardening && (before?.deploy.hardening ?? true) {
                add(.hardening, "prim '\(prim.id)' turns off its sandboxing (deploy.hardening: false)")
            }
            // Each limit as it applies: the prim's own, else its host's (hosts/<name>.yaml, in git).
            let now = (head.host(for: prim)?.limits ?? .standard).with(prim.deploy.limits)
            let then =
                before.map { (base.host(for: $0)?.limits ?? .standard).with($0.deploy.limits) }
                ?? (head.host(for: prim)?.limits ?? .standard)
            for raised in raisedLimits(now, then) {
                add(
                    .resourceLimits,
                    "prim '\(prim.id)' raises its \(raised) above what it had (a new prim: above its host's limits)")
            }
            // Until a prim has an owner (the x402 issue), its code or command is anyone's to change:
            // for a prim that holds secrets, that would hand them to whoever sends the change.
            if let before,
                paths.contains(where: {
                    $0 == prim.file || $0 == before.file || StateLayout.packageOwner($0) == prim.id
                })
            {
                let held = Set(base.secrets(for: before).map(\.name)).union(head.secrets(for: prim).map(\.name))
                    .sorted()
                if !held.isEmpty {
                    add(
                        .secretHolder,
                        "it changes prim '\(prim.id)', which receives secret\(held.count == 1 ? "" : "s") \(held.joined(separator: ", ")): its code or command could send \(held.count == 1 ? "it" : "them") anywhere"
                    )
                }
            }
            if let host = head.host(for: prim), prim.endpoint != nil {
                let endpoint = host.endpoint(for: prim).lowercased()
                let domain = host.domain.lowercased()
                if !endpoint.hasSuffix("." + domain) || endpoint.allSatisfy({ $0.isNumber || $0 == "." }) {
                    add(
                        .endpoint,
                        "prim '\(prim.id)' answers on \(endpoint), which is not a name under the host's domain \(domain)"
                    )
                }
            }
            if let host = head.host(for: prim) {
                let endpoint = host.endpoint(for: prim).lowercased()
                let old = before.flatMap { before in
                    base.host(for: before).map { $0.endpoint(for: before).lowercased() }
                }
                let target = head.zones.lazy.compactMap({ zone in zone.targets[endpoint].map { (zone, $0) } }).first
                if endpoint != old, let (zone, record) = target {
                    add(
                        .dnsTarget,
                        "prim '\(prim.id)' would answer on \(endpoint), where the \(record.type) record '\(record.name)' of \(zone.file) points: it would receive what that record sends there"
                    )
                }
            }
            for key in prim.requiredEnv {
                guard let secret = head.secrets.first(where: { $0.name == key }), !secret.isGiven(to: prim.id) else {
                    continue
                }
                let hostValue = head.host(for: prim)?.env[key] != nil
                if !hostValue {
                    add(
                        .undeclaredSecret,
                        "prim '\(prim.id)' uses secret \(key), which is not declared for it (secrets/\(key).yaml prims)"
                    )
                }
            }
        }
        for secret in head.secrets.sorted(by: { $0.name < $1.name }) where paths.contains(secret.file) {
            if secret.prims.contains("*") {
                add(.everyPrim, "secret \(secret.name) is given to every prim ('*'); list the prims instead")
            }
            let previous = base.secrets.first(where: { $0.name == secret.name })
            if secret.encrypted == nil && (previous == nil || previous?.encrypted != nil) {
                add(
                    .externalSecret,
                    "it declares secret \(secret.name) with its value in the host's store (external), which only the operator fills"
                )
            }
            if let before = base.secrets.first(where: { $0.name == secret.name }) {
                let added = Set(secret.prims).subtracting(before.prims).subtracting(["*"]).sorted()
                if !added.isEmpty {
                    add(
                        .secretConsumers,
                        "it gives secret \(secret.name) to \(added.map { "'\($0)'" }.joined(separator: ", ")) besides the prims that had it"
                    )
                }
            }
        }
        for path in paths {
            let hosts = (base.hosts + head.hosts).filter { $0.shares(path) }
            if let host = hosts.first {
                add(
                    .sharedCode,
                    "it changes \(path), code that every prim on host '\(host.name)' runs (its shared paths)")
            }
        }
        return reasons
    }

    /// The limits that are higher in `now` than in `then`, as `what (key: value)`. A memory limit
    /// given as a percentage cannot be compared with a size: any change to or from one counts.
    static func raisedLimits(_ now: UnitLimits, _ then: UnitLimits) -> [String] {
        var raised: [String] = []
        func memory(_ size: String) -> UInt64 { size == "infinity" ? .max : UnitLimits.bytes(size) ?? .max }
        if now.memoryMax != then.memoryMax,
            now.memoryMax.hasSuffix("%") || then.memoryMax.hasSuffix("%")
                || memory(now.memoryMax) > memory(then.memoryMax)
        {
            raised.append("memory limit (memory_max: \(now.memoryMax))")
        }
        if now.tasksMax > then.tasksMax { raised.append("task limit (tasks_max: \(now.tasksMax))") }
        if now.cpuQuota > then.cpuQuota { raised.append("CPU quota (cpu_quota: \(now.cpuQuota)%)") }
        if now.openFiles > then.openFiles { raised.append("open-file limit (open_files: \(now.openFiles))") }
        if memory(now.tmpSize) > memory(then.tmpSize) { raised.append("/tmp size (tmp_size: \(now.tmpSize))") }
        return raised
    }
}
