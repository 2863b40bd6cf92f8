import PrimAge
import PrimModel
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// This host's age identity: made once, kept 0600 at `identity` of the host config, never printed.
public enum HostIdentity {
    public enum Failure: Error, CustomStringConvertible {
        case missing(String)
        case unreadable(String, String)

        public var description: String {
            switch self {
            case .missing(let path): return "this host has no age identity at \(path); run `primctl host init`"
            case .unreadable(let path, let why):
                return
                    "the host identity at \(path) cannot be read (\(why)); restore it or make a new one with `primctl host init --force` and `primctl secret rekey`"
            }
        }
    }

    public static func load(_ config: HostConfig) throws -> Age.Identity {
        guard let bytes = try FileReader.bytes(config.identityFile) else { throw Failure.missing(config.identityFile) }
        do {
            return try Age.Identity(keyFile: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw Failure.unreadable(config.identityFile, "\(error)")
        }
    }

    /// The identity, made first if there is none. Returns it and whether it was made now.
    public static func ensure(_ config: HostConfig) throws -> (Age.Identity, created: Bool) {
        if try FileReader.bytes(config.identityFile) != nil { return (try load(config), false) }
        let identity = Age.Identity()
        let text =
            "# prim host identity (age X25519). Keep it: it decrypts this host's secrets.\n# public key: \(identity.recipient.encoded)\n\(identity.encoded)\n"
        try AtomicFile.write(Array(text.utf8), to: config.identityFile, mode: 0o600)
        return (identity, true)
    }
}

/// The values of the state's `encrypted:` secrets that this host can decrypt, and why the others cannot.
public struct DecryptedSecrets {
    public var values: [String: String] = [:]
    /// Secret name → why it cannot be used here, with the command that fixes it.
    public var failures: [String: String] = [:]

    /// Decrypts the secrets given to `prims` (those deployed here); an identity is loaded only if one is needed.
    public static func decrypt(_ state: DesiredState, for prims: Set<String>, config: HostConfig) -> DecryptedSecrets {
        var result = DecryptedSecrets()
        let wanted = state.secrets.filter { secret in
            secret.encrypted != nil && prims.contains { secret.isGiven(to: $0) }
        }
        guard !wanted.isEmpty else { return result }
        let identity: Age.Identity
        do {
            identity = try HostIdentity.load(config)
        } catch {
            for secret in wanted { result.failures[secret.name] = "\(error)" }
            return result
        }
        for secret in wanted {
            do {
                var value = try Age.decrypt(Array(secret.encrypted!.utf8), with: identity)
                if value.last == 0x0A { value.removeLast() }
                guard !value.contains(0x0A), !value.contains(0x0D), !value.contains(0) else {
                    result.failures[secret.name] =
                        "its value has a line break or NUL, which an env file cannot hold; encrypt one line (`primctl secret encrypt \(secret.name)`)"
                    continue
                }
                result.values[secret.name] = String(decoding: value, as: UTF8.self)
            } catch Age.Failure.noMatch {
                result.failures[secret.name] =
                    "\(secret.file) is not encrypted to this host's recipient \(identity.recipient.encoded); encrypt it again with `primctl secret encrypt \(secret.name)` (or `primctl secret rekey`)"
            } catch {
                result.failures[secret.name] =
                    "\(secret.file) cannot be decrypted: \(error); encrypt it again with `primctl secret encrypt \(secret.name)`"
            }
        }
        return result
    }
}
