import PrimYAML

/// Reads a prim from its (possibly merged) prim.yaml keys, reporting each bad value.
struct PrimDecoder {
    let reader: FieldReader
    var log: DiagnosticLog { reader.log }

    static let idPattern = "^[a-z][a-z0-9-]*$, at most 40 characters, not ending in -candidate"

    /// The top-level keys prim reads.
    static let ownKeys = [
        "id", "name", "description", "endpoint", "status", "port", "env", "providers", "routes_map", "pricing",
        "deploy",
    ]
    /// The keys upstream's prim.yaml files carry for the site and the catalogue, which prim keeps
    /// without reading (every key in the upstream corpus).
    static let upstreamKeys = [
        "type", "category", "interfaces", "factory", "phantom", "tagline", "order", "sub", "hero_badges",
        "hero_example", "quick_start", "tips", "limits", "cta", "sections", "card_class", "ownership",
        "note", "wraps", "show_on_index", "primitives",
    ]
    static let knownKeys = ownKeys + upstreamKeys
    /// Names people give the keys prim reads that are too far from them to be near misses.
    static let aliases = [
        "deployment": "deploy", "routes": "routes_map", "route_map": "routes_map", "routesmap": "routes_map",
        "prices": "pricing", "price": "pricing", "environment": "env", "ports": "port", "state": "status",
    ]
    /// Keys of `deploy:` written at the top level, where they would be ignored.
    static let misplaced = Dictionary(
        uniqueKeysWithValues: DeploySpec.keys.filter { !knownKeys.contains($0) }.map { ($0, "deploy") })
    /// The keys of a `routes_map` entry prim reads, and those upstream's carry.
    static let routeKeys = [
        "route", "status", "errors", "price", "example", "safe_to_repeat", "operation_id", "description",
        "request", "response", "request_type", "response_type", "query_params", "notes",
    ]

    func decode(_ fields: FieldSet, file: String, mark: Mark) -> Prim? {
        guard let idField = fields["id"] else {
            log.error(file, mark, "missing-key", "a prim needs an 'id' (\(Self.idPattern))")
            return nil
        }
        reader.rejectTypos(
            fields, known: Self.knownKeys, context: "a prim", aliases: Self.aliases, misplaced: Self.misplaced)
        guard let id = reader.string(idField) else { return nil }
        if !Self.isValidID(id) {
            log.error(idField.file, idField.value.mark, "invalid-id", "prim id '\(id)' must match \(Self.idPattern)")
        }
        var prim = Prim(
            id: id, file: file, mark: mark, env: [], providers: [], routes: [], deploy: DeploySpec(), origins: [:])
        for field in fields.fields {
            prim.origins[field.key] = Prim.Origin(file: field.file, mark: field.value.mark)
        }
        prim.declaration = fields.fields.filter { $0.key != "status" }
            .map { "\($0.key.debugDescription)=\($0.value.canonical)" }.joined(separator: "\n")
        prim.name = reader.string(fields["name"])
        if let name = prim.name, let field = fields["name"] {
            _ = reader.requireOneLine(name, file: field.file, mark: field.value.mark, key: "name")
        }
        prim.description = reader.string(fields["description"])
        if let description = prim.description, let field = fields["description"] {
            _ = reader.requireOneLine(description, file: field.file, mark: field.value.mark, key: "description")
        }
        prim.endpoint = endpoint(fields["endpoint"])
        prim.status = status(fields["status"])
        prim.port = port(fields["port"])
        prim.env = envKeys(fields["env"])
        for (key, mark) in fields["env"].map({ reader.strings($0) }) ?? [] where prim.envMarks[key] == nil {
            prim.envMarks[key] = mark
        }
        prim.providers = providers(fields["providers"])
        prim.routes = routes(fields["routes_map"])
        prim.prices = prices(fields["pricing"])
        if let deployField = fields["deploy"] {
            prim.deploy = DeployDecoder(reader: reader).decode(deployField)
            for pair in deployField.value.pairs ?? [] {
                if let key = pair.key.scalarText {
                    prim.origins["deploy.\(key)"] = Prim.Origin(file: deployField.file, mark: pair.value.mark)
                }
            }
        }
        if prim.isDeployed, prim.port == nil {
            let origin = prim.origin("status")
            log.error(
                origin.file, origin.mark, "missing-port",
                "prim '\(id)' is deployed (status \(prim.status!.rawValue)) but has no 'port'; add a port between 1024 and \(HandoverPorts.maxDeclared)"
            )
        }
        return prim
    }

    static func isValidID(_ id: String) -> Bool {
        // `prim-<id>-candidate.service` is another prim's side-by-side unit.
        guard !id.hasSuffix("-candidate") else { return false }
        guard let first = id.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first), id.utf8.count <= 40
        else { return false }
        return id.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
    }

    static func isValidEnvKey(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(48...57).contains(first) else { return false }
        return key.utf8.allSatisfy {
            ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 || ($0 >= 97 && $0 <= 122)
        }
    }

    /// A DNS host name: dot-separated labels of letters, digits and inner hyphens.
    static func isValidHostName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
        }
    }

    private func endpoint(_ field: Field?) -> String? {
        guard let field, let text = reader.string(field) else { return nil }
        if !Self.isValidHostName(text) {
            log.error(
                field.file, field.value.mark, "invalid-endpoint",
                "endpoint '\(text.debugDescriptionEscaped)' is not a host name; use lower-case labels separated by dots, like search.prim.sh"
            )
        }
        return text
    }

    private func status(_ field: Field?) -> PrimStatus? {
        guard let field else { return nil }
        if field.value.isNull {
            // `status:` with nothing after it reads as no status, which undeploys a running prim.
            log.error(
                field.file, field.value.mark, "unknown-status",
                "'status' is empty; write one of \(PrimStatus.accepted.joined(separator: ", ")), or remove the key if the prim is not to be deployed"
            )
            return nil
        }
        guard let text = reader.string(field) else { return nil }
        guard let status = PrimStatus(upstream: text) else {
            log.error(
                field.file, field.value.mark, "unknown-status",
                "unknown status '\(text)'\(Suggestion.hint(for: text, in: PrimStatus.accepted)); use one of \(PrimStatus.accepted.joined(separator: ", "))"
            )
            return nil
        }
        return status
    }

    private func port(_ field: Field?) -> Int? {
        guard let field, let port = reader.int(field) else { return nil }
        guard (1024...HandoverPorts.maxDeclared).contains(port) else {
            log.error(
                field.file, field.value.mark, "port-range",
                "port \(port) is out of range; use a port between 1024 and \(HandoverPorts.maxDeclared) (a prim's new version starts on its port + \(HandoverPorts.offset))"
            )
            return nil
        }
        return port
    }

    private func envKeys(_ field: Field?) -> [String] {
        guard let field else { return [] }
        var keys: [String] = []
        for (key, mark) in reader.strings(field) {
            guard reader.requireOneLine(key, file: field.file, mark: mark, key: "env[]") else { continue }
            if !Self.isValidEnvKey(key) {
                log.error(
                    field.file, mark, "invalid-env-key",
                    "env key '\(key)' must be letters, digits and '_', not starting with a digit")
                continue
            }
            keys.append(key)
        }
        return keys
    }

    private func providers(_ field: Field?) -> [Prim.Provider] {
        reader.mappings(field, expected: "a mapping with 'name' and 'env'").compactMap {
            item, fields -> Prim.Provider? in
            guard let name = reader.string(fields["name"]) else {
                log.error(item.file, item.mark, "missing-key", "a provider needs a 'name'")
                return nil
            }
            return Prim.Provider(
                name: name, env: envKeys(fields["env"]), status: reader.string(fields["status"]),
                isDefault: reader.bool(fields["default"]) ?? false, url: reader.string(fields["url"]))
        }
    }

    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    private func routes(_ field: Field?) -> [Prim.Route] {
        reader.mappings(field, expected: "a mapping with 'route'").compactMap { item, fields -> Prim.Route? in
            reader.rejectTypos(fields, known: Self.routeKeys, context: "a routes_map entry")
            guard let routeField = fields["route"], let text = reader.string(routeField) else {
                log.error(item.file, item.mark, "missing-key", "a route needs 'route: \"METHOD /path\"'")
                return nil
            }
            let parts = text.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, Self.methods.contains(String(parts[0])), parts[1].hasPrefix("/") else {
                log.error(
                    routeField.file, routeField.value.mark, "invalid-route",
                    "route '\(text)' must be 'METHOD /path', like 'POST /v1/search'")
                return nil
            }
            // A path is requested as written: no spaces or controls, no query, no '.' or '..' segments.
            if let problem = Self.pathProblem(String(parts[1])) {
                log.error(
                    routeField.file, routeField.value.mark, "invalid-route",
                    "route '\(text.debugDescriptionEscaped)': its path \(problem)")
                return nil
            }
            for error in fields["errors"]?.value.sequence ?? [] {
                if let status = error["status"], status.int == nil {
                    log.error(
                        routeField.file, status.mark, "invalid-status",
                        "route '\(text)': errors status '\((status.scalarText ?? "").debugDescriptionEscaped)' must be an HTTP status as a number, like 402 (not quoted)"
                    )
                }
            }
            let paid = fields["errors"]?.value.sequence?.contains { $0["status"]?.int == 402 } ?? false
            var route = Prim.Route(
                method: String(parts[0]), path: String(parts[1]), status: reader.int(fields["status"]), isPaid: paid,
                operationID: reader.string(fields["operation_id"]))
            if let field = fields["price"], let text = reader.string(field) {
                if !paid {
                    log.error(
                        field.file, field.value.mark, "invalid-price",
                        "route '\(route.name)' has a price but is free: its errors list no 402; add '{ status: 402, code: payment_required }' to them, or remove the price"
                    )
                } else if let atomic = USDC.atomic(text), atomic > 0 {
                    route.price = atomic
                } else {
                    log.error(
                        field.file, field.value.mark, "invalid-price",
                        "route '\(route.name)': price '\(text.debugDescriptionEscaped)' must be a USDC amount above zero with at most 6 decimals, like \"$0.01\""
                    )
                }
            }
            if let field = fields["safe_to_repeat"], let safe = reader.bool(field) {
                if paid {
                    log.error(
                        field.file, field.value.mark, "invalid-safe-to-repeat",
                        "route '\(route.name)' is paid, and conformance asks a paid route unpaid anyway (it must answer 402 before doing anything); remove 'safe_to_repeat'"
                    )
                } else if safe && route.method == "DELETE" {
                    log.error(
                        field.file, field.value.mark, "invalid-safe-to-repeat",
                        "route '\(route.name)' deletes, which changes data however idempotent it is: a gate never sends it; remove 'safe_to_repeat'"
                    )
                }
                route.safeToRepeat = safe
            }
            if let field = fields["example"], let example = reader.string(field) {
                if route.matches(example), Self.pathProblem(example) == nil {
                    route.example = example
                } else {
                    log.error(
                        field.file, field.value.mark, "invalid-example",
                        "example '\(example.debugDescriptionEscaped)' is not a path of route '\(route.name)': give the route's path with each parameter filled in, like '\(route.path.split(separator: "/", omittingEmptySubsequences: false).map { $0.hasPrefix(":") ? "example-\($0.dropFirst())" : String($0) }.joined(separator: "/"))'"
                    )
                }
            }
            return route
        }
    }

    /// Why a route's path (or example) cannot be requested as written; nil when it can.
    static func pathProblem(_ path: String) -> String? {
        if !path.allSatisfy({
            $0.isASCII && !$0.isWhitespace && !($0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? true)
        }) {
            return "must be ASCII with no spaces or control characters (percent-encode them)"
        }
        if path.contains("?") || path.contains("#") { return "must not have a query or fragment ('?', '#')" }
        if path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) {
            return "must not have '.' or '..' segments (a client resolves them to another path)"
        }
        return nil
    }

    /// The dollar prices of `pricing` entries (`price: "$0.01"`). A rate (`"$0.02/GB/mo"`) is not a
    /// per-call price, and other text ("free", "dynamic", "pass-through + 10%") is catalog text;
    /// a dollar amount that does not parse, or a bare number, is refused.
    private func prices(_ field: Field?) -> [UInt64] {
        guard let items = field?.value.sequence else { return [] }
        return items.compactMap { item in
            guard let node = item["price"], let text = node.scalarText else { return nil }
            let file = field?.file ?? ""
            if !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) {
                log.error(
                    file, node.mark, "invalid-price",
                    "pricing price '\(text.debugDescriptionEscaped)' is a bare number; write dollars as \"$\(text)\"")
                return nil
            }
            guard text.hasPrefix("$") else { return nil }
            let amount = text.prefix { $0 != "/" }
            if let atomic = USDC.atomic(String(amount)), atomic > 0 { return amount.count == text.count ? atomic : nil }
            log.error(
                file, node.mark, "invalid-price",
                "pricing price '\(text.debugDescriptionEscaped)' must be a USDC amount above zero with at most 6 decimals, like \"$0.01\" (or a rate like \"$0.02/GB/mo\")"
            )
            return nil
        }
    }
}

extension String {
    /// The string with control characters escaped, safe to quote in a message.
    var debugDescriptionEscaped: String {
        String(debugDescription.dropFirst().dropLast())
    }
}
