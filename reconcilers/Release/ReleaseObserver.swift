import PrimModel
import PrimPlan
import PrimSystem

/// Observes release directories under `<data dir>/releases`, by the manifest each holds.
public struct ReleaseObserver {
    public let directory: String

    public init(config: HostConfig) {
        directory = config.paths.releases
    }

    public static let manifestName = ".prim-release"

    public func observe() throws -> [ObservedResource] {
        try FileReader.names(in: directory, suffix: "").filter { !$0.hasPrefix(".") }.compactMap { name in
            let path = "\(directory)/\(name)"
            let manifest = try FileReader.bytes("\(path)/\(Self.manifestName)") ?? []
            let text = String(decoding: manifest, as: UTF8.self)
            return ObservedResource(
                address: ResourceAddress(.release, name), path: path, content: text, digest: Digest.sha256(manifest),
                prim: ResourceNames.prim(ofRelease: name))
        }
    }
}
