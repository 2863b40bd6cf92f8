import PrimYAML

/// upstream's monorepo layout: `primitives.yaml` lists every prim; a built prim's
/// `packages/<id>/prim.yaml` is merged over its entry (package keys win).
enum UpstreamLayout {
    static let registry = StateLayout.registry

    static func prims(_ documents: [String: YAMLNode], decoder: PrimDecoder) -> [Prim] {
        let log = decoder.log
        var entries: [(id: String, fields: FieldSet, mark: Mark, file: String)] = []
        if let root = documents[registry] {
            if let list = root["primitives"] {
                if let items = list.sequence {
                    for item in items {
                        guard let pairs = item.pairs else {
                            log.error(
                                registry, item.mark, "type-mismatch",
                                "each entry of 'primitives' must be a mapping, got \(item.kindDescription)")
                            continue
                        }
                        let id = item["id"]?.scalarText ?? ""
                        entries.append((id, FieldSet(pairs, file: registry), item.mark, registry))
                    }
                } else {
                    log.error(
                        registry, list.mark, "type-mismatch", "'primitives' must be a list, got \(list.kindDescription)"
                    )
                }
            } else {
                log.error(registry, root.mark, "missing-key", "primitives.yaml needs a 'primitives:' list")
            }
        }
        for path in documents.keys.sorted() where StateLayout.isPackagePrim(path) {
            guard let directory = StateLayout.packageOwner(path) else { continue }
            guard let root = documents[path] else { continue }
            guard let pairs = root.pairs else {
                log.error(path, root.mark, "type-mismatch", "the file must hold a mapping, got \(root.kindDescription)")
                continue
            }
            let packageID = root["id"]?.scalarText ?? directory
            if let index = entries.firstIndex(where: { $0.id == packageID }) {
                entries[index].fields.merge(pairs, file: path)
                entries[index].mark = root.mark
                entries[index].file = path
            } else {
                entries.append((packageID, FieldSet(pairs, file: path), root.mark, path))
            }
            if packageID != directory, let idField = root.pair("id") {
                log.error(
                    path, idField.value.mark, "id-mismatch",
                    "prim id '\(packageID)' does not match its package directory; rename \(StateLayout.package(directory)) to \(StateLayout.package(packageID)) or set id: \(directory)"
                )
            }
        }
        return entries.compactMap { decoder.decode($0.fields, file: $0.file, mark: $0.mark) }
    }
}
