import PrimYAML

/// The outcome of loading a state tree: the state and every diagnostic found.
public struct LoadResult: Sendable {
    public var state: DesiredState
    public var diagnostics: [Diagnostic]

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
    public var isValid: Bool { errors.isEmpty }
}

/// Loads and validates a state tree from a snapshot. Pure: no I/O.
///
/// Reads both layouts: a state root (`prims/`, `hosts/`, `secrets/`, `dns/`,
/// `providers/`, `policy.yaml`) and upstream's monorepo (`primitives.yaml`
/// shallow-merged with `packages/<id>/prim.yaml`, package keys winning).
public enum StateLoader {
    public static func load(_ snapshot: StateSnapshot) -> LoadResult {
        let log = DiagnosticLog()
        let reader = FieldReader(log: log)
        var documents: [String: YAMLNode] = [:]
        for path in snapshot.entries.keys.sorted() where StateLayout.isStatePath(path) {
            if let root = parse(path, snapshot.entries[path]!, log: log) { documents[path] = root }
        }

        var state = DesiredState()
        let declarations = DeclarationDecoder(reader: reader)
        let prims = PrimDecoder(reader: reader)

        if documents[StateLayout.registry] != nil || snapshot.entries[StateLayout.registry] != nil {
            state.layout = .upstream
            state.prims = UpstreamLayout.prims(documents, decoder: prims)
        }
        for path in documents.keys.sorted() {
            let declaration = StateLayout.declaration(path)
            guard declaration != nil || path == StateLayout.policy else { continue }
            let root = documents[path]!
            guard let pairs = root.pairs else {
                if !root.isNull {
                    log.error(
                        path, root.mark, "type-mismatch", "the file must hold a mapping, got \(root.kindDescription)")
                }
                continue
            }
            guard let (folder, stem) = declaration else {
                state.policy = declarations.policy(pairs, file: path)
                continue
            }
            switch folder {
            case .prims:
                guard let prim = prims.decode(FieldSet(pairs, file: path), file: path, mark: root.mark) else {
                    continue
                }
                if prim.id != stem {
                    let origin = prim.origin("id")
                    log.error(
                        path, origin.mark, "id-mismatch",
                        "prim id '\(prim.id)' does not match its file name; rename the file to \(StateLayout.Folder.prims.file(prim.id)) or set id: \(stem)"
                    )
                }
                state.prims.append(prim)
            case .hosts: state.hosts.append(declarations.host(pairs, file: path, stem: stem, mark: root.mark))
            case .secrets: state.secrets.append(declarations.secret(pairs, file: path, stem: stem, mark: root.mark))
            case .dns: state.zones.append(declarations.zone(pairs, file: path, stem: stem, mark: root.mark))
            case .providers:
                state.providers.append(declarations.provider(pairs, file: path, stem: stem, mark: root.mark))
            case .owners: state.owners.append(declarations.owner(pairs, file: path, stem: stem, mark: root.mark))
            }
        }
        CrossRules.check(state, log: log)
        return LoadResult(state: state, diagnostics: log.sorted)
    }

    /// Reads one file into a YAML tree, reporting size, symlink, encoding and syntax problems.
    static func parse(_ path: String, _ entry: StateSnapshot.Entry, log: DiagnosticLog) -> YAMLNode? {
        switch entry {
        case .tooLarge(let size):
            log.error(
                path, .start, "file-too-large",
                "file is \(size) bytes; state files may be at most \(StateSnapshot.maxFileSize) bytes")
            return nil
        case .escapingSymlink(let target):
            log.error(
                path, .start, "symlink-escape",
                "symbolic link to '\(target)' leaves the state root; replace it with the file itself")
            return nil
        case .file(let bytes):
            if let mark = UTF8Check.firstInvalid(bytes) {
                log.error(path, mark, "not-utf8", "file is not valid UTF-8; save it as UTF-8")
                return nil
            }
            do {
                let stream = try YAMLParser.stream(bytes)
                let documents = stream.documents
                if documents.count > 1 {
                    log.error(
                        path, documents[1].mark, "multiple-documents",
                        "file holds \(documents.count) YAML documents; keep one per file")
                }
                for duplicate in stream.duplicateKeys {
                    log.error(
                        path, duplicate.mark, "duplicate-key",
                        "key '\(duplicate.key)' is already set at line \(duplicate.first.line), column \(duplicate.first.column); remove one of them"
                    )
                }
                return documents.first ?? YAMLNode(.scalar("", .plain), mark: .start)
            } catch {
                let message = error.code == "yaml-syntax" ? "invalid YAML: \(error.message)" : error.message
                log.error(path, error.mark, error.code, message)
                return nil
            }
        }
    }
}
