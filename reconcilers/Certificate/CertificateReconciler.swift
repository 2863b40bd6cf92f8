import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Certificates prim obtains itself (`tls.certificates` in the host config), by ACME with DNS-01
/// through the host's own DNS provider: issued when missing, issued again when their names or CA
/// change, renewed when a third of their lifetime (or `tls.renew_before`) is left. Stored in
/// `tls.store`'s `live/` folder, which Caddy loads for every prim's site the certificate covers.
/// A failed order does not stop the apply nor fail the revision (a warning of the generation): the
/// current certificate keeps serving, and the next try waits (`IssuanceRecord.backoff`).
public struct CertificateReconciler: Reconciler {
    public init() {}

    public let kind = ResourceKind.certificate
    /// After DNS records (the prims' names exist) and before routes and Caddy's load (which reads it).
    public let createOrder = 45
    /// Unused: every deletion runs with the creations, before Caddy's load (`removesEarly`).
    public let removalOrder = 50
    public var marksOwnership: Bool { true }

    public func desire(_ input: DesireInput) throws -> [DesiredResource] {
        guard let tls = input.config.tls else { return [] }
        return tls.certificates.map { certificate in
            var attributes = [
                CertificatePlanning.namesAttribute: certificate.names.joined(separator: ","),
                CertificatePlanning.directoryAttribute: tls.directory,
            ]
            if let seconds = tls.renewBeforeSeconds {
                attributes[CertificatePlanning.renewBeforeAttribute] = String(seconds)
            }
            for name in certificate.names {
                if let zone = input.state.zone(containing: TLSSettings.base(name)) {
                    attributes[CertificatePlanning.zoneAttribute(name)] = zone.apex
                }
            }
            return DesiredResource(
                address: ResourceAddress(kind, certificate.name), prim: nil, path: tls.paths.bundle(certificate.name),
                content: "names: \(certificate.names.joined(separator: ", "))\nacme: \(tls.directory)\n",
                keys: certificate.names, attributes: attributes)
        }
    }

    public func observe(_ host: HostEnvironment, desired: DesiredHost) throws -> [ObservedResource] {
        let inventory = try Inventory.load(dataDir: host.config.dataDir)
        let now = String(Date().timeIntervalSince1970)
        var observed: [ResourceAddress: ObservedResource] = [:]
        // Every certificate prim stored (the inventory's) or is asked for (the host config's).
        var addresses = Dictionary(
            inventory.resources.filter { $0.key.hasPrefix(kind.rawValue + ".") }.map {
                (ResourceAddress(kind, String($0.key.dropFirst(kind.rawValue.count + 1))), $0.value)
            }, uniquingKeysWith: { first, _ in first })
        for resource in desired.resources where resource.address.kind == kind {
            addresses[resource.address] = resource.path
        }
        let paths = host.config.tls?.paths
        for (address, path) in addresses {
            let record = paths.flatMap { try? IssuanceRecord.load($0.record(address.name)) } ?? IssuanceRecord()
            var attributes = [CertificatePlanning.observedAtAttribute: now]
            if let directory = record.directory { attributes[CertificatePlanning.directoryAttribute] = directory }
            if let retry = record.retryAfter {
                attributes[CertificatePlanning.retryAfterAttribute] = String(retry.timeIntervalSince1970)
                attributes[CertificatePlanning.failuresAttribute] = String(record.failures)
            }
            if let error = record.lastError { attributes[CertificatePlanning.lastErrorAttribute] = error }
            var names: [String] = []
            var content: String?
            do {
                if let live = try LiveCertificate.stored(at: path) {
                    names = live.names
                    attributes[CertificatePlanning.notAfterAttribute] = String(live.notAfter.timeIntervalSince1970)
                    attributes[CertificatePlanning.notBeforeAttribute] = String(live.notBefore.timeIntervalSince1970)
                    attributes[CertificatePlanning.issuerAttribute] = live.issuer
                    content =
                        "names: \(live.names.joined(separator: ", "))\nexpires: \(live.notAfter)\nissuer: \(live.issuer)\n"
                } else {
                    attributes[CertificatePlanning.missingAttribute] = "yes"
                }
            } catch {
                attributes[CertificatePlanning.unreadableAttribute] = "\(error)"
            }
            observed[address] = ObservedResource(
                address: address, path: path, content: content, digest: "",
                owned: inventory.contains(address), keys: names, attributes: attributes)
        }
        return observed.values.sorted { $0.address < $1.address }
    }

    public func compare(_ desired: DesiredResource, _ live: ObservedResource?) -> Change {
        CertificatePlanning.decide(desired, live)
    }

    /// Each desired certificate's decision; a stored one nothing asks for is removed (Caddy no longer loads it first).
    public func plan(_ input: KindPlanInput) -> [Change] {
        let desired = input.desired(of: kind)
        let wanted = Set(desired.map(\.address))
        var changes = desired.map { compare($0, input.observed.resources[$0.address]) }
        for live in input.observed.of(kind).sorted(by: { $0.address < $1.address })
        where live.owned && !wanted.contains(live.address)
            && live.attributes[CertificatePlanning.missingAttribute] == nil
        {
            changes.append(
                removal(
                    live,
                    Reason(
                        "removed", "tls.certificates no longer asks for it; Caddy's own issuance takes its names back"))
            )
        }
        return changes
    }

    /// A certificate whose last order failed: why, and when the next try is.
    public func notes(_ changes: [Change], _ observed: ObservedState) -> [String] {
        observed.of(kind).sorted { $0.address < $1.address }.compactMap { live in
            let attributes = live.attributes
            guard let retry = attributes[CertificatePlanning.retryAfterAttribute].flatMap(Double.init),
                let now = attributes[CertificatePlanning.observedAtAttribute].flatMap(Double.init), retry > now
            else { return nil }
            let failures = attributes[CertificatePlanning.failuresAttribute] ?? "1"
            let serving =
                attributes[CertificatePlanning.notAfterAttribute].flatMap(Double.init).map {
                    "the current one keeps serving (expires in \(CertificatePlanning.span($0 - now)))"
                } ?? "its names are left to Caddy's own issuance meanwhile"
            return
                "certificate \(live.address.name): \(failures) order\(failures == "1" ? "" : "s") failed (\(attributes[CertificatePlanning.lastErrorAttribute] ?? "no reason recorded")); the next try is in \(CertificatePlanning.span(retry - now)); \(serving)"
        }
    }

    /// What the host would observe once the certificates are issued (pr.sh's plan check): each as asked for.
    public func assumedApplied(_ desired: DesiredHost) -> [ObservedResource] {
        desired.resources.filter { $0.address.kind == kind }.map { resource in
            ObservedResource(
                address: resource.address, path: resource.path, content: nil, digest: "", keys: resource.keys,
                attributes: [
                    CertificatePlanning.observedAtAttribute: "0",
                    CertificatePlanning.notBeforeAttribute: "0",
                    CertificatePlanning.notAfterAttribute: String(Double.greatestFiniteMagnitude),
                    CertificatePlanning.directoryAttribute: resource.attributes[CertificatePlanning.directoryAttribute]
                        ?? "",
                ])
        }
    }

    /// The store is root's alone and the key group exists, before anything of the apply is written.
    public func check(_ apply: ApplyContext) throws {
        guard let tls = apply.host.config.tls, !tls.certificates.isEmpty else { return }
        try CertificateStore.check(tls)
    }

    /// The store's folders, with their modes, before Caddy's load names `live/`.
    public func stage(_ changes: [Change], _ apply: ApplyContext) throws {
        guard let tls = apply.host.config.tls, !tls.certificates.isEmpty else { return }
        try CertificateStore.prepare(tls)
    }

    /// A certificate nothing asks for goes before Caddy's load, so that Caddy forgets it.
    public func removesEarly(_ change: Change, in plan: Plan) -> Bool { true }

    public func execute(_ changes: [Change], _ apply: ApplyContext) throws {
        try remove(changes.filter { $0.action == .delete }, apply)
        let changes = changes.filter { $0.action != .delete }
        guard !changes.isEmpty, let tls = apply.host.config.tls else { return }
        let issuer = try CertificateIssuer(tls: tls, host: apply.host, hostName: apply.desired.host)
        for change in changes {
            guard let resource = apply.resource(change) else { continue }
            apply.attempt(change) {
                try issuer.issue(resource)
                try apply.owns(change.address, path: change.path)
            }
        }
    }

    /// Deletes a certificate nothing asks for, once the TXT values an order of it left are gone.
    public func remove(_ changes: [Change], _ apply: ApplyContext) throws {
        for change in changes {
            try apply.step(change) {
                // The store the certificate was written to, from its own path (`tls:` may be gone).
                let recordPath = CertificatePaths(bundle: change.path).record(change.address.name)
                var record = try IssuanceRecord.load(recordPath)
                if !record.pending.isEmpty {
                    try CertificateIssuer.clean(
                        &record, at: recordPath,
                        with: try ChallengeRecords.of(
                            apply.host, hostName: apply.desired.host, for: change.address.name))
                }
                try AtomicFile.remove(change.path)
                try AtomicFile.remove(recordPath)
                try apply.owns(change.address, path: nil)
            }
        }
    }

    public func directories(_ config: HostConfig) -> [String] {
        guard let paths = config.tls?.paths else { return [] }
        return [paths.store, paths.live, paths.records]
    }
}
