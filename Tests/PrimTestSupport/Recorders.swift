import PrimEngine

/// What a fake was told to fail with.
public struct FakeFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A file writer that writes nothing: it records each call in order, and throws for the paths it
/// is told to fail on (recording nothing for them).
public final class RecordingFiles: FileExecutor, @unchecked Sendable {
    public enum Call: Equatable, Sendable {
        case write(path: String, content: String)
        case remove(path: String)
    }

    public private(set) var calls: [Call] = []
    public var failing: Set<String> = []

    public init() {}

    public func write(_ path: String, content: String) throws {
        if failing.contains(path) { throw FakeFailure("cannot write \(path) (a fake told to fail)") }
        calls.append(.write(path: path, content: content))
    }

    public func remove(_ path: String) throws {
        if failing.contains(path) { throw FakeFailure("cannot remove \(path) (a fake told to fail)") }
        calls.append(.remove(path: path))
    }
}

/// Caddy as the routes' kinds see it, without Caddy: records every check, load and route file, and
/// fails checks or loads when told. `compose` joins the fragments as the real one does after its header.
public final class RecordingCaddy: RouteExecutor, @unchecked Sendable {
    public enum Call: Equatable, Sendable {
        case check(String)
        case load(String)
        case write(path: String, content: String)
        case remove(path: String)
    }

    public private(set) var calls: [Call] = []
    public var failCheck = false
    public var failLoad = false

    public init() {}

    public func compose(fragments: [String]) -> String { (["# header"] + fragments).joined(separator: "\n") }

    public func check(_ config: String) throws {
        if failCheck { throw FakeFailure("Caddy refused the config (a fake told to fail)") }
        calls.append(.check(config))
    }

    public func load(_ config: String) throws {
        if failLoad { throw FakeFailure("Caddy did not load the config (a fake told to fail)") }
        calls.append(.load(config))
    }

    public func write(_ path: String, content: String) throws { calls.append(.write(path: path, content: content)) }
    public func remove(_ path: String) throws { calls.append(.remove(path: path)) }

    /// The configs loaded, in order.
    public var loads: [String] {
        calls.compactMap { if case .load(let config) = $0 { return config } else { return nil } }
    }
}
