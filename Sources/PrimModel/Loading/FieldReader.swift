import PrimYAML

/// One key of a mapping, with the file it came from (upstream layout merges two files).
struct Field {
    var key: String
    var keyNode: YAMLNode
    var value: YAMLNode
    var file: String
}

/// The keys of one or more merged mappings; later sources win, as upstream's shallow merge.
struct FieldSet {
    private(set) var fields: [Field] = []
    /// Where each key sits in `fields`: merging and lookups stay linear in the number of keys.
    private var index: [String: Int] = [:]

    init(_ pairs: [YAMLNode.Pair], file: String) {
        merge(pairs, file: file)
    }

    mutating func merge(_ pairs: [YAMLNode.Pair], file: String) {
        for pair in pairs {
            guard let key = pair.key.scalarText else { continue }
            let field = Field(key: key, keyNode: pair.key, value: pair.value, file: file)
            if let position = index[key] {
                fields[position] = field
            } else {
                index[key] = fields.count
                fields.append(field)
            }
        }
    }

    subscript(key: String) -> Field? { index[key].map { fields[$0] } }
}

/// Typed reads of YAML nodes that report every mismatch instead of stopping.
struct FieldReader {
    let log: DiagnosticLog

    func typeError(_ file: String, _ node: YAMLNode, _ key: String, expected: String) {
        log.error(file, node.mark, "type-mismatch", "'\(key)' must be \(expected), got \(node.kindDescription)")
    }

    func string(_ field: Field?) -> String? {
        guard let field, !field.value.isNull else { return nil }
        guard let text = field.value.string ?? field.value.scalarText, field.value.sequence == nil else {
            typeError(field.file, field.value, field.key, expected: "a string")
            return nil
        }
        return text
    }

    func int(_ field: Field?) -> Int? {
        guard let field, !field.value.isNull else { return nil }
        guard let number = field.value.int else {
            typeError(field.file, field.value, field.key, expected: "a whole number")
            return nil
        }
        return number
    }

    func bool(_ field: Field?) -> Bool? {
        guard let field, !field.value.isNull else { return nil }
        guard let flag = field.value.bool else {
            typeError(field.file, field.value, field.key, expected: "true or false")
            return nil
        }
        return flag
    }

    /// A list of strings, returned with each item's position.
    func strings(_ field: Field?) -> [(String, Mark)] {
        guard let field, !field.value.isNull else { return [] }
        guard let items = field.value.sequence else {
            typeError(field.file, field.value, field.key, expected: "a list of strings")
            return []
        }
        var result: [(String, Mark)] = []
        for item in items {
            guard let text = item.scalarText, !item.isNull else {
                typeError(field.file, item, "\(field.key)[]", expected: "a string")
                continue
            }
            result.append((text, item.mark))
        }
        return result
    }

    func mapping(_ field: Field?) -> [YAMLNode.Pair]? {
        guard let field, !field.value.isNull else { return nil }
        guard let pairs = field.value.pairs else {
            typeError(field.file, field.value, field.key, expected: "a mapping")
            return nil
        }
        return pairs
    }

    /// A list of mappings, each with its position and keys; other items are reported.
    func mappings(_ field: Field?, expected: String) -> [(item: (file: String, mark: Mark), fields: FieldSet)] {
        guard let field, !field.value.isNull else { return [] }
        guard let items = field.value.sequence else {
            typeError(field.file, field.value, field.key, expected: "a list")
            return []
        }
        return items.compactMap { item in
            guard let pairs = item.pairs else {
                typeError(field.file, item, "\(field.key)[]", expected: expected)
                return nil
            }
            return ((field.file, item.mark), FieldSet(pairs, file: field.file))
        }
    }

    /// Reports keys that are not in `allowed`, with a "did you mean" hint.
    func rejectUnknownKeys(_ fields: FieldSet, allowed: [String], context: String, code: String) {
        for field in fields.fields where !allowed.contains(field.key) {
            log.error(
                field.file, field.keyNode.mark, code,
                "unknown key '\(field.key)' in \(context)\(Suggestion.hint(for: field.key, in: allowed))")
        }
    }

    /// Reports keys that are not known but one or two edits from one (`stauts`, `prot`): other
    /// unknown keys are kept (upstream's files carry many), but a near miss is almost always a typo,
    /// and a misspelt `status` would undeploy the prim.
    /// - Parameters:
    ///   - aliases: keys that are not near misses but mean a known one (`deployment` for `deploy`).
    ///   - misplaced: keys that belong one level down, and where (`command` → `deploy`).
    func rejectTypos(
        _ fields: FieldSet, known: [String], context: String, aliases: [String: String] = [:],
        misplaced: [String: String] = [:]
    ) {
        for field in fields.fields where !known.contains(field.key) {
            if let parent = misplaced[field.key] {
                log.error(
                    field.file, field.keyNode.mark, "misplaced-key",
                    "'\(field.key)' is a key of '\(parent):', not of \(context): indent it under '\(parent):' (as it is, it is ignored)"
                )
                continue
            }
            guard let intended = aliases[field.key.lowercased()] ?? Suggestion.typo(of: field.key, in: known) else {
                continue
            }
            log.error(
                field.file, field.keyNode.mark, "misspelt-key",
                "unknown key '\(field.key)' in \(context) (did you mean '\(intended)'?); prim keeps unknown keys but not one this close to a key it reads, which is almost always a typo: correct it, or rename the key if it is really another"
            )
        }
    }

    /// A command for `ExecStart=`: one line, starting with a program (an absolute path or a name),
    /// never one of systemd's prefixes (`+` runs it as root with full privileges, `!` ignores `User=`,
    /// `-`, `@`, `:` and `|` change how it runs).
    func requireCommand(_ text: String, file: String, mark: Mark, key: String) -> Bool {
        guard requireOneLine(text, file: file, mark: mark, key: key) else { return false }
        let first = text.unicodeScalars.first { $0 != " " && $0 != "\t" }
        guard let first,
            first == "/" || (first.isASCII && (first.properties.isAlphabetic || ("0"..."9").contains(first)))
        else {
            log.error(
                file, mark, "invalid-command",
                "'\(key)' must start with the program to run (an absolute path like /usr/bin/python3); systemd's prefixes such as '+', '!', '-', '@' and ':' are not allowed"
            )
            return false
        }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if words.contains(";") {
            log.error(
                file, mark, "invalid-command",
                "'\(key)' has a ';' on its own, which systemd reads as the start of a second command and refuses for a service like this; write one command (escape a literal one as '\\;')"
            )
            return false
        }
        if let specifier = Self.unknownSpecifier(text) {
            log.error(
                file, mark, "invalid-command",
                "'\(key)' has '%\(specifier)', which is not one of systemd's specifiers, so the unit would not start; write '%%' for a literal '%'"
            )
            return false
        }
        return true
    }

    /// The specifiers systemd 252 (Debian 12) expands in `ExecStart=` (systemd.unit(5), "Specifiers");
    /// each checked with `systemd-analyze verify` (`%D` came later: 252 refuses the unit).
    static let specifiers = Set("aAbBCdEfgGhHiIjJlLmMnNoPpqsStTuUvVwWyY%")

    /// The first character after a `%` that systemd does not know (it refuses the unit), if any.
    static func unknownSpecifier(_ text: String) -> Character? {
        var characters = text.makeIterator()
        while let character = characters.next() {
            guard character == "%" else { continue }
            // A stray '%' at the end is kept as it is.
            guard let next = characters.next() else { return nil }
            if !specifiers.contains(next) { return next }
        }
        return nil
    }

    /// Values that end up in a unit file or env file must be one line with no NUL.
    func requireOneLine(_ text: String, file: String, mark: Mark, key: String) -> Bool {
        if OneLine.breaks(text) {
            log.error(
                file, mark, "unsafe-value",
                "'\(key)' must be a single line without NUL characters: it is written into a unit file")
            return false
        }
        // systemd joins a line ending in '\' with the next one: the value would swallow the setting after it.
        if text.hasSuffix("\\") {
            log.error(
                file, mark, "unsafe-value",
                "'\(key)' must not end with '\\': systemd reads it as a line continuation into the next setting")
            return false
        }
        return true
    }
}
