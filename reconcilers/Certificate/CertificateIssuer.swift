import Crypto
import PrimACME
import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One apply's orders: the account key (made once, 0600), then for each certificate an order whose
/// DNS-01 records go through the host's DNS provider (`ChallengeRecords`), a new certificate key,
/// and the chain and key written together where Caddy loads them. Every order is recorded
/// (`IssuanceRecord`) before its records are written, and a record's TXT values are forgotten only
/// once they are gone, so a death mid-order leaves nothing behind at the next try.
struct CertificateIssuer {
    let tls: TLSSettings
    let host: HostEnvironment
    let hostName: String
    let key: AccountKey

    init(tls: TLSSettings, host: HostEnvironment, hostName: String) throws {
        self.tls = tls
        self.host = host
        self.hostName = hostName
        let path = tls.paths.accountKey
        if let bytes = try FileReader.bytes(path) {
            do {
                key = try AccountKey(pem: String(decoding: bytes, as: UTF8.self))
            } catch {
                throw SystemError(
                    "the ACME account key \(path) cannot be read (\(error)); move it away to make a new account")
            }
        } else {
            key = AccountKey()
            try AtomicFile.write(Array(key.pem.utf8), to: path, mode: 0o600)
        }
    }

    /// Takes out the TXT values an earlier order of `name` left, and forgets them once they are gone.
    static func clean(_ record: inout IssuanceRecord, at path: String, with challenges: ChallengeRecords) throws {
        guard !record.pending.isEmpty else { return }
        try challenges.remove(record.pending)
        record.pending = []
        try record.save(path)
    }

    func issue(_ resource: DesiredResource) throws {
        let name = resource.address.name
        let names = resource.keys
        let paths = tls.paths
        let recordPath = paths.record(name)
        var record = try IssuanceRecord.load(recordPath)
        // Saved before the CA is asked: a host that cannot keep its record (and so its backoff)
        // makes no order.
        try record.save(recordPath)
        let challenges = try ChallengeRecords.of(host, hostName: hostName, for: name)
        do {
            try Self.clean(&record, at: recordPath, with: challenges)
            let client = ACMEClient(directoryURL: tls.directory, key: key, caFile: tls.caFile)
            try client.account(contact: tls.contact)
            let request = SigningRequest(names: names)
            let chain = try client.issue(
                request,
                present: { asked in
                    record.pending = try asked.map { txt in
                        let owner = String(txt.name.dropFirst("_acme-challenge.".count))
                        guard
                            let zone = resource.attributes[CertificatePlanning.zoneAttribute(owner)]
                                ?? resource.attributes[CertificatePlanning.zoneAttribute("*." + owner)]
                        else {
                            throw SystemError(
                                "no zone of the state holds \(owner); add its zone file under dns/ or take the name out of tls.certificates"
                            )
                        }
                        return IssuanceRecord.PendingRecord(zone: zone, name: txt.name, value: txt.value)
                    }
                    try record.save(recordPath)
                    try challenges.present(record.pending)
                    try challenges.waitUntilServed(record.pending)
                },
                cleanup: { _ in try? Self.clean(&record, at: recordPath, with: challenges) })
            let live = try LiveCertificate(pem: chain)
            guard live.holds(names) else {
                throw SystemError(
                    "the CA's certificate holds \(live.names.joined(separator: ", ")), not \(names.joined(separator: ", ")); nothing was written"
                )
            }
            guard try live.publicKey == Certificate.PublicKey(request.publicKey) else {
                throw SystemError("the CA's certificate is not for the key that was sent; nothing was written")
            }
            var bundle = chain.hasSuffix("\n") ? chain : chain + "\n"
            bundle += request.keyPEM + "\n"
            try AtomicFile.write(
                Array(bundle.utf8), to: paths.bundle(name), mode: 0o640, group: try CertificateStore.group(tls))
            record.succeeded(directory: tls.directory, at: Date())
            try record.save(recordPath)
        } catch {
            record.failed("\(error)", at: Date())
            try record.save(recordPath)
            throw error
        }
    }
}
