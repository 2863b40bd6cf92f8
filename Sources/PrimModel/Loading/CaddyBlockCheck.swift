/// Checks an `extra_caddy` block's structure: what it may serve and which directives it may use.
///
/// The block is read the way Caddy reads a Caddyfile, so the check sees what Caddy will see:
/// tokens split on whitespace, `"…"` (with `\"`) and `` `…` `` quoting, `#` comments where a
/// token would start, and a `\` before a newline joining two lines into one. A token whose text
/// is `{` or `}` is a brace, quoted or not, as it is for Caddy. A block that Caddy could read
/// differently than this check does (a heredoc, a brace sharing its line with other tokens, a
/// `{$VAR}` substitution) is a problem too, so a block without problems means what it appears to.
public enum CaddyBlockCheck {
    public struct Problem: Equatable, Sendable {
        /// 1-based line within the block.
        public var line: Int
        /// 1-based column (in Unicode scalars) of the offending token.
        public var column: Int
        /// `caddy-site` (what the block serves, and its top-level shape) or `caddy-directive`.
        public var code: String
        /// Says what is wrong and what to do.
        public var message: String
    }

    /// The directives a site block (and the blocks of `handle`, `handle_path`, `route` and `handle_errors`) may use.
    static let allowed = [
        "import", "request_body", "reverse_proxy", "header", "request_header", "encode", "redir", "respond",
        "handle", "handle_path", "route", "handle_errors", "rewrite", "uri", "log", "abort", "error", "method", "vars",
    ]
    /// The snippets deploy/Caddyfile.header defines, the only names `import` may take.
    public static let snippets: Set = ["security_headers"]
    /// Directives whose block holds directives, checked like the site block's.
    static let containers: Set = ["handle", "handle_path", "route", "handle_errors"]
    /// Blocks may nest this deep; deeper is a problem (and the check goes no further, so its recursion stays shallow).
    static let maxDepth = 16

    /// - Parameters:
    ///   - block: the Caddyfile text.
    ///   - domain: the host's domain (e.g. "prim.sh"); every site name must be this domain or under it.
    ///   - reserved: site names the block may not use (other prims' endpoints), lower-case.
    /// - Returns: every problem, in order of position.
    public static func problems(in block: String, domain: String, reserved: Set<String>) -> [Problem] {
        var check = Check(domain: domain.lowercased(), reserved: reserved)
        let tokens = lex(block)
        check.sites(check.nest(tokens))
        tokens.forEach { check.placeholdersAndHeredocs(in: $0) }
        check.environmentSubstitutions(in: block)
        return check.found.enumerated()
            .sorted {
                ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
            }
            .map(\.element)
    }

    struct Check {
        let domain: String
        let reserved: Set<String>
        var found: [Problem] = []

        mutating func report(_ token: Token, _ code: String, _ message: String) {
            found.append(Problem(line: token.line, column: token.column, code: code, message: message))
        }

        /// Groups tokens into lines and blocks as Caddy's parser does, reporting braces it would
        /// read differently or reject: `{` must end its line and follow what it opens, `}` must
        /// be alone on its line, they must pair up, and nest at most `maxDepth` deep.
        mutating func nest(_ tokens: [Token]) -> [Line] {
            var levels: [[Line]] = [[]], openers: [Line] = [], current: [Token] = []
            func flush() {
                if !current.isEmpty { levels[levels.count - 1].append(Line(tokens: current)) }
                current = []
            }
            func close(_ opener: Line) {
                var opener = opener
                opener.block = levels.removeLast()
                levels[levels.count - 1].append(opener)
            }
            for (i, token) in tokens.enumerated() {
                let startsLine = i == 0 || tokens[i - 1].endsLine(before: token)
                let endsLine = i == tokens.count - 1 || token.endsLine(before: tokens[i + 1])
                // At the top level a trailing comma continues the address list on the next line.
                if startsLine && !(openers.isEmpty && current.last?.text.hasSuffix(",") == true) { flush() }
                // A site's own braces are its shape (caddy-site); braces inside it are its directives'.
                let code = openers.count <= (token.text == "}" ? 1 : 0) ? "caddy-site" : "caddy-directive"
                switch token.text {
                case "{":
                    if openers.count == CaddyBlockCheck.maxDepth {
                        report(token, code, "blocks nest more than \(CaddyBlockCheck.maxDepth) deep in extra_caddy")
                        return []
                    }
                    if !endsLine {
                        report(
                            token, code, "'{' must end its line in extra_caddy; put what follows it on the next line")
                    }
                    if current.isEmpty && !openers.isEmpty {
                        report(token, code, "'{' must be on the same line as the directive it opens")
                    }
                    openers.append(Line(tokens: current, brace: token))
                    levels.append([])
                    current = []
                case "}":
                    if !current.isEmpty || !endsLine {
                        report(token, code, "'}' must be on a line of its own in extra_caddy")
                    }
                    flush()
                    if let opener = openers.popLast() {
                        close(opener)
                    } else {
                        report(
                            token, code,
                            "'}' closes a block that was never opened (Caddy counts a quoted \"{\" or \"}\" as a brace too)"
                        )
                    }
                default:
                    current.append(token)
                }
            }
            flush()
            while let opener = openers.popLast() {
                report(
                    opener.brace!, openers.isEmpty ? "caddy-site" : "caddy-directive",
                    "'{' is never closed (Caddy counts a quoted \"{\" or \"}\" as a brace too)")
                close(opener)
            }
            return levels[0]
        }

        /// Top-level lines: each must be a list of site addresses followed by `{`.
        mutating func sites(_ lines: [Line]) {
            for line in lines {
                guard let first = line.tokens.first else {
                    report(
                        line.brace!, "caddy-site",
                        "a global options block is not allowed in extra_caddy; global options belong to the host's Caddyfile header"
                    )
                    continue
                }
                if first.text.hasPrefix("(") {
                    report(
                        first, "caddy-site",
                        "snippet definitions are not allowed in extra_caddy (they could redefine the host's shared snippets such as security_headers)"
                    )
                    continue
                }
                guard line.brace != nil else {
                    report(
                        first, "caddy-site",
                        "'\(first.text)' at the top level of extra_caddy must be a site address followed by '{'; directives belong inside a site block"
                    )
                    continue
                }
                line.tokens.forEach { address($0) }
                directives(line.block)
            }
        }

        /// A site address must be the domain or a name under it, with no port, path, wildcard or placeholder.
        mutating func address(_ token: Token) {
            let text = token.text.hasSuffix(",") ? String(token.text.dropLast()) : token.text
            var host = Substring(text.lowercased())
            for scheme in ["http://", "https://"] where host.hasPrefix(scheme) {
                host = host.dropFirst(scheme.count); break
            }
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            let isName = labels.allSatisfy {
                !$0.isEmpty
                    && $0.unicodeScalars.allSatisfy {
                        ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
                    }
            }
            if text.hasPrefix("(") {
                report(
                    token, "caddy-site",
                    "snippet definitions are not allowed in extra_caddy (they could redefine the host's shared snippets such as security_headers)"
                )
            } else if !isName || !(host == domain || host.hasSuffix("." + domain)) {
                report(
                    token, "caddy-site",
                    "site '\(text)' in extra_caddy must be a host name under \(domain) without a port, path or wildcard"
                )
            } else if reserved.contains(String(host)) {
                report(
                    token, "caddy-site",
                    "site '\(text)' is another prim's endpoint; an extra block may only serve names no other prim uses")
            }
        }

        /// Lines of a site block or a container's block: named matchers and allowed directives.
        mutating func directives(_ lines: [Line], extra: Set<String> = []) {
            for line in lines {
                guard let name = line.tokens.first else { subLines(line.block); continue }
                let arguments = line.tokens.dropFirst()
                if name.text.hasPrefix("@") {
                    if let first = arguments.first, first.quoted { expression(first) }
                    matcher(line.tokens)
                    subLines(line.block, matchers: true)
                } else if name.text == "import" {
                    importLine(line)
                    subLines(line.block)
                } else if !(CaddyBlockCheck.allowed.contains(name.text) || extra.contains(name.text)) {
                    report(
                        name, "caddy-directive",
                        "directive '\(name.text)' is not allowed in extra_caddy; allowed: \((CaddyBlockCheck.allowed + extra.sorted()).joined(separator: ", "))"
                    )
                    subLines(line.block)
                } else if CaddyBlockCheck.containers.contains(name.text) {
                    directives(line.block, extra: extra)
                } else if name.text == "reverse_proxy" {
                    // Only the first argument can be a matcher (as in Caddy); the rest are upstreams.
                    for (i, argument) in arguments.enumerated()
                    where !(i == 0 && "@/*".contains(argument.text.first ?? " ")) {
                        upstream(argument)
                    }
                    proxy(line.block)
                } else {
                    subLines(line.block, log: name.text == "log")
                }
            }
        }

        /// The block of `reverse_proxy`: local upstreams only, HTTP transport, and `handle_response`
        /// routes checked as directives.
        mutating func proxy(_ lines: [Line]) {
            for line in lines {
                matcher(line.tokens)
                guard let sub = line.tokens.first else { subLines(line.block, matchers: true); continue }
                let arguments = line.tokens.dropFirst()
                switch sub.text {
                case "import": importLine(line)
                case "to": arguments.forEach { upstream($0) }
                case "transport" where arguments.first?.text != "http":
                    report(
                        arguments.first ?? sub, "caddy-directive",
                        "reverse_proxy transport '\(arguments.first?.text ?? "")' is not allowed in extra_caddy; only 'transport http' is"
                    )
                case "dynamic":
                    report(
                        sub, "caddy-directive",
                        "reverse_proxy 'dynamic' upstreams are not allowed in extra_caddy (they could point anywhere); list localhost:<port> upstreams"
                    )
                case "handle_response":
                    directives(line.block, extra: ["copy_response", "copy_response_headers"])
                    continue
                default: break
                }
                subLines(line.block, matchers: true)
            }
        }

        /// Lines in the block of a directive that is not a container: only `import`, a `log`'s
        /// `output`, and (where matchers are parsed) the CEL `expression` matcher are checked.
        mutating func subLines(_ lines: [Line], log: Bool = false, matchers: Bool = false) {
            for line in lines {
                if matchers { matcher(line.tokens) }
                if line.tokens.first?.text == "import" { importLine(line) }
                if log, line.tokens.first?.text == "output" {
                    let target = line.tokens.dropFirst().first
                    if !["stderr", "stdout", "discard"].contains(target?.text ?? "") {
                        report(
                            target ?? line.tokens[0], "caddy-directive",
                            "log output '\(target?.text ?? "")' is not allowed in extra_caddy (it could write host files or send logs away); use stderr, stdout or discard"
                        )
                    }
                }
                subLines(line.block, log: log, matchers: matchers)
            }
        }

        /// `import` may only bring in one of the host header's snippets, by name: a path or glob reads host files.
        mutating func importLine(_ line: Line) {
            let arguments = line.tokens.dropFirst()
            let name = arguments.count == 1 ? arguments.first!.text.unicodeScalars : "".unicodeScalars
            // A name that is not a defined snippet is read by Caddy as a file name: only the
            // header's own snippets are names an extra block may import.
            if !CaddyBlockCheck.snippets.contains(String(name)) {
                report(
                    arguments.first ?? line.tokens[0], "caddy-directive",
                    "import of '\(arguments.map(\.text).joined(separator: " "))' is not allowed in extra_caddy: only snippets of the host's header (\(CaddyBlockCheck.snippets.sorted().joined(separator: ", ")))"
                )
            }
        }

        /// A `reverse_proxy` upstream must be a service on this host.
        mutating func upstream(_ token: Token) {
            var address = Substring(token.text.lowercased())
            if address.hasPrefix("http://") { address = address.dropFirst(7) }
            let port =
                ["localhost:", "127.0.0.1:"].first { address.hasPrefix($0) }.map { address.dropFirst($0.count) } ?? ""
            let isPort =
                (1...5).contains(port.count) && port.unicodeScalars.allSatisfy { ("0"..."9").contains($0) }
                && (1...65535).contains(Int(port) ?? 0)
            if !isPort {
                report(
                    token, "caddy-directive",
                    "reverse_proxy upstream '\(token.text)' must be localhost:<port> (a service on this host)")
            }
        }

        /// In matcher definitions, the CEL `expression` matcher can read any placeholder (its
        /// `ph()` function, or a `{file.…}` built by string concatenation), so it is refused.
        mutating func matcher(_ tokens: [Token]) {
            tokens.filter { $0.text == "expression" }.forEach { expression($0) }
        }

        mutating func expression(_ token: Token) {
            report(
                token, "caddy-directive",
                "the CEL expression matcher ('\(token.text)') is not allowed in extra_caddy: it can read the host's files and environment; use path, header, method or query matchers"
            )
        }

        /// Placeholders that read host files or environment, and heredocs (which this check does not lex).
        mutating func placeholdersAndHeredocs(in token: Token) {
            let text = token.text.lowercased()
            if ["{file.", "{env.", "{system."].contains(where: { text.contains($0) }) {
                report(
                    token, "caddy-directive",
                    "placeholder '\(token.text)' reads the host's files or environment; it is not allowed in extra_caddy"
                )
            }
            if token.text.hasPrefix("<<") {
                report(
                    token, "caddy-directive",
                    "heredoc '\(token.text)' is not allowed in extra_caddy; use a quoted string")
            }
        }

        /// Caddy replaces `{$NAME}` with the host's environment before it lexes the file, even in
        /// comments and quotes, so it is refused wherever it appears.
        mutating func environmentSubstitutions(in block: String) {
            var line = 1, column = 0
            let scalars = Array(block.unicodeScalars)
            for (i, ch) in scalars.enumerated() {
                column += 1
                if ch == "\n" { line += 1; column = 0; continue }
                guard ch == "{", i + 1 < scalars.count, scalars[i + 1] == "$" else { continue }
                let name = String(
                    String.UnicodeScalarView(
                        scalars[i...].prefix(40).prefix { !$0.properties.isWhitespace && $0 != "}" }))
                found.append(
                    Problem(
                        line: line, column: column, code: "caddy-directive",
                        message:
                            "'\(name)}' substitutes the host's environment into the Caddyfile; it is not allowed in extra_caddy"
                    ))
            }
        }
    }
}
