import PrimModel

/// What one host should run from the state: for each deployed prim the values its env gets (or
/// why it is blocked), its release, and a `PrimRendering` from which each kind renders its own
/// files (`Reconciler.desire`: env file, unit template and version, route, records).
public enum DesiredBuilder {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unknownHost(String, known: [String])
        case ambiguousHost([String])

        public var description: String {
            switch self {
            case .unknownHost(let name, let known):
                return
                    "host '\(name)' is not declared in the state; declared hosts: \(known.isEmpty ? "none" : known.joined(separator: ", "))"
            case .ambiguousHost(let names):
                return
                    "the state declares \(names.count) hosts (\(names.joined(separator: ", "))); set 'host:' in the host config to the one this machine is"
            }
        }
    }

    /// The host this machine is: the config's `host`, or the state's only (or implicit) host.
    public static func host(_ state: DesiredState, named name: String?) throws(Failure) -> Host {
        if let name {
            guard let host = state.host(named: name) else { throw .unknownHost(name, known: state.hosts.map(\.name)) }
            return host
        }
        if state.hosts.isEmpty { return Host.implicit() }
        guard state.hosts.count == 1 else { throw .ambiguousHost(state.hosts.map(\.name)) }
        return state.hosts[0]
    }

    /// - Parameters:
    ///   - secrets: the value of each secret this host can give, by name, with its source: an
    ///     `external` declaration's from the host's store, an `encrypted` one's from its own ciphertext.
    ///   - releases: the code of each prim that has some (`packages/<id>/` and the host's shared paths).
    ///   - unreadable: secrets committed encrypted that this host cannot use, with why and the fix.
    public static func build(
        _ state: DesiredState, host: Host, config: HostConfig, secrets: [String: SecretValue],
        releases: [String: ReleaseManifest] = [:], unreadable: [String: String] = [:]
    ) -> DesiredHost {
        var resources: [DesiredResource] = []
        var blocked: [BlockedPrim] = []
        var ports: [String: Int] = [:]
        var renderings: [String: PrimRendering] = [:]
        let deployed = state.deployedPrims(on: host).sorted(by: { $0.id < $1.id })
        for prim in deployed {
            var values: [PrimRendering.EnvValue] = []
            var missing: [String] = []
            var withheld: [String] = []
            var undecryptable: [String] = []
            // A secret reaches a prim only when its secrets/<NAME>.yaml lists the prim: a value in the
            // host's store is never handed to a prim that merely names it in `env`.
            let given = Set(state.secrets(for: prim).map(\.name))
            for key in prim.requiredEnv where key != "PORT" {
                if let value = host.env[key] {
                    // `{state}` in a host value is the prim's own persistent directory.
                    values.append(
                        .init(
                            key: key,
                            value: value.replacing("{state}", with: config.statePath(of: state.stateName(of: prim.id))),
                            source: .host))
                } else if given.contains(key), let secret = secrets[key] {
                    values.append(.init(key: key, value: secret.value, source: secret.source))
                } else if given.contains(key), unreadable[key] != nil {
                    undecryptable.append(key)
                } else if given.contains(key) || !state.secrets.contains(where: { $0.name == key }) {
                    missing.append(key)
                } else {
                    withheld.append(key)
                }
            }
            if !missing.isEmpty || !withheld.isEmpty || !undecryptable.isEmpty {
                var message = blockedMessage(
                    prim.id, host: host.name, missing: missing, withheld: withheld, declared: given)
                let reasons = undecryptable.map { "secret \($0) cannot be used on this host: \(unreadable[$0]!)" }
                if !reasons.isEmpty {
                    message =
                        (missing.isEmpty && withheld.isEmpty ? "prim '\(prim.id)' is not deployed: " : message + "; ")
                        + reasons.joined(separator: "; ")
                }
                blocked.append(
                    BlockedPrim(prim: prim.id, missingEnv: missing + withheld + undecryptable, message: message))
                continue
            }
            if prim.status?.runs ?? false, let port = prim.port { ports[prim.id] = port }
            var rendering = PrimRendering(
                prim: prim, host: host, config: config, values: values, stateName: state.stateName(of: prim.id))
            rendering.alternatePort = prim.port.map(HandoverPorts.alternate)
            if let manifest = releases[prim.id] {
                let address = ResourceNames.release(prim.id, digest: manifest.digest)
                let path = config.paths.release(address.name)
                resources.append(DesiredResource(address: address, prim: prim.id, path: path, content: manifest.text))
                rendering.release = path
            }
            renderings[prim.id] = rendering
        }
        var desired = DesiredHost(
            host: host.name, resources: resources, blocked: blocked, ports: ports, renderings: renderings)
        for prim in state.prims where !prim.isDeployed {
            desired.undeployed[prim.id] =
                prim.status.map { "\(prim.id) has status `\($0.rawValue)`, which is not deployed" }
                ?? "\(prim.id) has no `status`: not deployed"
        }
        for prim in state.prims where prim.isDeployed {
            guard let other = state.host(for: prim), other.name != host.name else { continue }
            let name = other.endpoint(for: prim).lowercased()
            let zone = state.zone(containing: name)
            desired.departing[prim.id] = .init(
                host: other.name, name: name, ttl: zone?.ttl ?? 300, zoneProvider: zone?.provider,
                hostProvider: config.dnsProvider?.rawValue)
            desired.undeployed[prim.id] = "\(prim.id) is placed on host \(other.name)"
        }
        return desired
    }

    /// Why a prim is not deployed, and the command or change that fixes each key.
    static func blockedMessage(
        _ id: String, host: String, missing: [String], withheld: [String], declared: Set<String>
    ) -> String {
        var parts: [String] = []
        func noValue(_ keys: [String], declare: Bool) {
            guard !keys.isEmpty else { return }
            let commands = keys.map { "`primctl secret set \($0)`" }.joined(separator: ", ")
            let step = declare ? "declare secrets/<NAME>.yaml with prims: [\(id)] and run" : "run"
            let encrypt = keys.map { "`primctl secret encrypt \($0) --prims \(id)`" }.joined(separator: ", ")
            parts.append(
                "env \(keys.joined(separator: ", ")) \(keys.count == 1 ? "has" : "have") no value; \(step) \(commands) with the value on stdin (this host's store), or commit \(keys.count == 1 ? "it" : "them") encrypted with \(encrypt) (git), or add \(keys.count == 1 ? "it" : "them") to hosts/\(host).yaml env"
            )
        }
        noValue(missing.filter { declared.contains($0) }, declare: false)
        noValue(missing.filter { !declared.contains($0) }, declare: true)
        if !withheld.isEmpty {
            parts.append(
                "secret \(withheld.joined(separator: ", ")) \(withheld.count == 1 ? "is" : "are") not declared for this prim; a prim gets only the secrets whose secrets/<NAME>.yaml lists it (adding it there needs an operator's approval)"
            )
        }
        return "prim '\(id)' is not deployed: " + parts.joined(separator: "; ")
    }
}
