/// What the host config's certificates need of the state: every name in a zone the state
/// declares, served by the provider this host writes records to (the DNS-01 TXT record goes
/// there), and an authoritative server to see the record on before the CA is asked.
public enum TLSRules {
    public static func check(_ config: HostConfig, _ state: DesiredState) -> [Diagnostic] {
        guard let tls = config.tls else { return [] }
        let log = DiagnosticLog()
        for certificate in tls.certificates {
            for (name, mark) in zip(certificate.names, certificate.marks) {
                guard let zone = state.zone(containing: TLSSettings.base(name)) else {
                    let zones = state.zones.map(\.apex).sorted()
                    log.error(
                        tls.file, mark, "tls-out-of-zone",
                        "certificate name '\(name)' is in no zone of the state (\(zones.isEmpty ? "it declares none" : zones.joined(separator: ", "))); prim proves a name through its own DNS records, so add a zone file under dns/ that contains it, or remove the name"
                    )
                    continue
                }
                guard let provider = config.dnsProvider, DNSProviderName.builtIn.contains(provider),
                    zone.provider == provider.rawValue
                else {
                    let host = config.dnsProvider.map { "'\($0.rawValue)'" } ?? "none"
                    log.error(
                        tls.file, mark, "tls-provider",
                        "certificate name '\(name)' is in zone \(zone.apex), whose provider '\(zone.provider)' is not the one this host writes TXT records to (dns.provider: \(host)); prim can only prove names at \(DNSProviderName.builtIn.map(\.rawValue).joined(separator: " or ")) zones this host manages"
                    )
                    continue
                }
            }
        }
        if !tls.certificates.isEmpty, config.dnsServer == nil {
            log.error(
                tls.file, tls.certificates[0].marks.first ?? .start, "tls-dns-server",
                "dns.server is not set: prim must see each DNS-01 record on the zone's authoritative server before it asks the CA; set dns.server to its address:port"
            )
        }
        return log.sorted
    }
}

extension LoadResult {
    /// The result with what the host config's certificates need of the state (`TLSRules`).
    public func checked(against config: HostConfig) -> LoadResult {
        var result = self
        result.diagnostics += TLSRules.check(config, state)
        return result
    }
}
