import PrimModel
import PrimPlan
import PrimSystem

/// Observes env files by digest. Their values are hashed and dropped, never kept. A version's env
/// file (`<id>@<version>.env`) is the units' kind's, not one of these.
public struct EnvFileObserver {
    public let envDir: String

    public init(config: HostConfig) {
        envDir = config.envDir
    }

    /// - Parameter desired: the digest of each env file the state asks for, by name: a file that
    /// has it needs no per-key digests (they only name which keys differ).
    public func observe(desired: [String: String] = [:]) throws -> [ObservedResource] {
        try FileReader.names(in: envDir, suffix: ".env").filter { !$0.contains("@") }.compactMap { name in
            guard let bytes = try FileReader.bytes("\(envDir)/\(name)") else { return nil }
            let marker = Array(ResourceNames.ownershipMarker.utf8)
            let digest = Digest.sha256(bytes)
            return ObservedResource(
                address: ResourceAddress(.envFile, name), path: "\(envDir)/\(name)", content: nil, digest: digest,
                owned: bytes.starts(with: marker), prim: ResourceNames.prim(ofFile: name, suffix: ".env"),
                attributes: desired[name] == digest
                    ? [:] : EnvKeyDigests.attributes(String(decoding: bytes, as: UTF8.self)))
        }
    }
}
