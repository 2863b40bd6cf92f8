import PrimYAML

/// Rules that span files: uniqueness, references between files, and what a
/// deployed prim needs from its host.
enum CrossRules {
    /// DNS providers prim can drive without a providers/<name>.yaml.
    static let builtinDNSProviders = DNSProviderName.builtIn.map(\.rawValue)

    static func check(_ state: DesiredState, log: DiagnosticLog) {
        uniqueIDs(state, log)
        uniqueSecrets(state, log)
        hostsExist(state, log)
        capacities(state, log)
        uniquePorts(state, log)
        uniqueEndpoints(state, log)
        secretTargets(state, log)
        zoneProviders(state, log)
        envProvided(state, log)
        extraCaddyBlocks(state, log)
        DNSRules.check(state, log: log)
    }

    /// An `extra_caddy` block may serve only names under its host's domain that no other prim
    /// uses, with the directives `CaddyBlockCheck` allows.
    static func extraCaddyBlocks(_ state: DesiredState, _ log: DiagnosticLog) {
        for prim in state.prims where !prim.deploy.extraCaddy.isEmpty {
            guard let host = state.host(for: prim) else { continue }
            let reserved = Set(
                state.prims.filter { state.host(for: $0)?.name == host.name }.map {
                    host.endpoint(for: $0).lowercased()
                })
            for (block, origin) in zip(prim.deploy.extraCaddy, prim.deploy.extraCaddyOrigins) {
                for problem in CaddyBlockCheck.problems(in: block, domain: host.domain, reserved: reserved) {
                    log.error(
                        origin.file, origin.mark(line: problem.line, column: problem.column), problem.code,
                        problem.message)
                }
            }
        }
    }

    static func at(_ origin: Prim.Origin) -> String { "\(origin.file):\(origin.mark.line):\(origin.mark.column)" }

    static func uniqueIDs(_ state: DesiredState, _ log: DiagnosticLog) {
        var seen: [String: Prim] = [:]
        for prim in state.prims {
            if let first = seen[prim.id] {
                let origin = prim.origin("id")
                log.error(
                    origin.file, origin.mark, "duplicate-id",
                    "prim id '\(prim.id)' is already declared at \(at(first.origin("id"))); ids must be unique")
            } else {
                seen[prim.id] = prim
            }
        }
    }

    /// Two files declaring one secret name (`secrets/X.yaml` with `name: Y` beside `secrets/Y.yaml`):
    /// which declaration's value and prims would win is not for a reader to guess.
    static func uniqueSecrets(_ state: DesiredState, _ log: DiagnosticLog) {
        var seen: [String: SecretSpec] = [:]
        for secret in state.secrets.sorted(by: { $0.file < $1.file }) {
            if let first = seen[secret.name] {
                log.error(
                    secret.file, secret.mark, "duplicate-secret",
                    "secret '\(secret.name)' is already declared in \(first.file):\(first.mark.line):\(first.mark.column); declare each secret once, in secrets/\(secret.name).yaml"
                )
            } else {
                seen[secret.name] = secret
            }
        }
    }

    static func hostsExist(_ state: DesiredState, _ log: DiagnosticLog) {
        let names = state.hosts.map(\.name)
        for prim in state.prims {
            if let name = prim.deploy.host, !names.contains(name) {
                let origin = prim.origin("deploy.host")
                log.error(
                    origin.file, origin.mark, "unknown-host",
                    "deploy.host '\(name)' is not declared\(Suggestion.hint(for: name, in: names)); add hosts/\(name).yaml or use one of: \(names.joined(separator: ", "))"
                )
            } else if prim.deploy.host == nil, prim.isDeployed, state.hosts.count > 1 {
                let origin = prim.origin("status")
                log.error(
                    origin.file, origin.mark, "missing-host",
                    "prim '\(prim.id)' is deployed but the state has \(state.hosts.count) hosts; set deploy.host to one of: \(names.joined(separator: ", "))"
                )
            }
        }
    }

    /// A host takes at most its `capacity` of deployed prims.
    static func capacities(_ state: DesiredState, _ log: DiagnosticLog) {
        for host in state.hosts {
            guard let capacity = host.capacity else { continue }
            let placed = state.deployedPrims(on: host).map(\.id).sorted()
            guard placed.count > capacity else { continue }
            log.error(
                host.file, host.capacityMark ?? host.mark, "over-capacity",
                "host \(host.name) takes \(capacity) prim\(capacity == 1 ? "" : "s") and \(placed.count) are deployed on it (\(placed.joined(separator: ", "))); place some on another host (deploy.host) or raise its capacity"
            )
        }
    }

    /// Two prims on one host cannot listen on the same port, nor on the port another's new
    /// versions start on (its port + `HandoverPorts.offset`).
    static func uniquePorts(_ state: DesiredState, _ log: DiagnosticLog) {
        var seen: [String: Prim] = [:]
        var alternates: [String: Prim] = [:]
        for prim in state.prims {
            guard let port = prim.port else { continue }
            let host = state.host(for: prim)?.name ?? "?"
            if let first = seen["\(host):\(port)"] {
                let origin = prim.origin("port")
                log.error(
                    origin.file, origin.mark, "duplicate-port",
                    "port \(port) of prim '\(prim.id)' is already used by prim '\(first.id)' at \(at(first.origin("port"))) on the same host; choose a free port"
                )
            } else {
                seen["\(host):\(port)"] = prim
                alternates["\(host):\(HandoverPorts.alternate(of: port))"] = prim
            }
        }
        for prim in state.prims {
            guard let port = prim.port, let other = alternates["\(state.host(for: prim)?.name ?? "?"):\(port)"],
                other.id != prim.id
            else { continue }
            let origin = prim.origin("port")
            log.error(
                origin.file, origin.mark, "duplicate-port",
                "port \(port) of prim '\(prim.id)' is where prim '\(other.id)' (port \(other.port!) at \(at(other.origin("port")))) starts its new versions (its port + \(HandoverPorts.offset)); choose another port"
            )
        }
    }

    static func uniqueEndpoints(_ state: DesiredState, _ log: DiagnosticLog) {
        var seen: [String: Prim] = [:]
        for prim in state.prims where prim.isDeployed || prim.endpoint != nil {
            guard let host = state.host(for: prim) else { continue }
            let endpoint = host.endpoint(for: prim)
            if let first = seen[endpoint] {
                let origin = prim.origin(prim.endpoint == nil ? "id" : "endpoint")
                log.error(
                    origin.file, origin.mark, "duplicate-endpoint",
                    "endpoint '\(endpoint)' of prim '\(prim.id)' is already served by prim '\(first.id)' at \(at(first.origin(first.endpoint == nil ? "id" : "endpoint"))); choose another endpoint"
                )
            } else {
                seen[endpoint] = prim
            }
        }
    }

    static func secretTargets(_ state: DesiredState, _ log: DiagnosticLog) {
        let ids = state.prims.map(\.id)
        // A prim whose own file could not be read is reported there, not again as undeclared here.
        let unreadable = Set(log.all.filter { $0.severity == .error && $0.code == "yaml-syntax" }.map(\.file))
        for secret in state.secrets {
            for prim in secret.prims
            where prim != "*" && !ids.contains(prim)
                && !unreadable.contains(StateLayout.Folder.prims.file(prim))
                && !unreadable.contains(StateLayout.packagePrim(prim))
            {
                // Never a did-you-mean that hands the value to another prim: say both ways out.
                let typo =
                    Suggestion.closest(to: prim, in: ids).map { "; if '\(prim)' is a typo of '\($0)', correct it" }
                    ?? ""
                let others = secret.prims.filter { $0 != prim }
                let rest =
                    others.isEmpty
                    ? "remove \(secret.file) (no other prim gets this secret)" : "remove '\(prim)' from its prims"
                log.error(
                    secret.file, secret.markOfPrim(prim), "unknown-prim",
                    "secret '\(secret.name)' names prim '\(prim)', which is not declared (a prim that is declared later under that id would get the value): if the prim was removed, \(rest)\(typo)"
                )
            }
        }
    }

    static func zoneProviders(_ state: DesiredState, _ log: DiagnosticLog) {
        let names = builtinDNSProviders + state.providers.map(\.name)
        for zone in state.zones where !zone.provider.isEmpty && !names.contains(zone.provider) {
            log.error(
                zone.file, zone.mark, "unknown-provider",
                "zone '\(zone.zone)' uses provider '\(zone.provider)'\(Suggestion.hint(for: zone.provider, in: names)), which is neither built in (\(builtinDNSProviders.joined(separator: ", "))) nor declared in providers/"
            )
        }
    }

    /// Legal but suspicious: a key no host value or declared secret provides.
    /// The value may live only in the host's secret store; diff and apply check.
    static func envProvided(_ state: DesiredState, _ log: DiagnosticLog) {
        for prim in state.prims where prim.isDeployed {
            guard let host = state.host(for: prim) else { continue }
            let secrets = Set(state.secrets(for: prim).map(\.name))
            for key in prim.requiredEnv where key != "PORT" && host.env[key] == nil && !secrets.contains(key) {
                let origin = prim.origin("env")
                log.warning(
                    origin.file, prim.envMarks[key] ?? origin.mark, "env-unprovided",
                    "env '\(key)' of prim '\(prim.id)' has no host value or secret declared for this prim; diff and apply will block the prim until secrets/\(key).yaml lists it and the host's store has the value (`primctl secret set \(key)`)"
                )
            }
        }
    }
}
