/// Caddyfile tokens, read as Caddy's own lexer reads them.
extension CaddyBlockCheck {
    struct Token {
        var text: String
        var quoted: Bool
        /// Caddy's line number for the token: an escaped newline does not advance it.
        var caddyLine: Int
        var line: Int, column: Int

        /// Whether `next` starts a new line for Caddy (its parser's `isNewLine`).
        func endsLine(before next: Token) -> Bool {
            caddyLine + text.unicodeScalars.filter { $0 == "\n" }.count < next.caddyLine
        }
    }

    /// A directive (or a site's address list) with its arguments, and the block its `{` opens.
    struct Line {
        var tokens: [Token]
        var brace: Token?
        var block: [Line] = []
    }

    /// Caddy's lexer (`caddyfile/lexer.go`), character for character; heredocs are left as plain
    /// tokens starting with `<<`, which `placeholdersAndHeredocs(in:)` rejects.
    static func lex(_ block: String) -> [Token] {
        var tokens: [Token] = []
        var text = String.UnicodeScalarView()
        var token = Token(text: "", quoted: false, caddyLine: 1, line: 1, column: 1)
        var quote: Unicode.Scalar?, comment = false, escaped = false
        var caddyLine = 1, skipped = 0, line = 1, column = 0, afterNewline = false
        func finish() {
            token.text = String(text)
            token.quoted = quote != nil
            tokens.append(token)
            text = .init(); quote = nil; comment = false; escaped = false
        }
        for ch in block.unicodeScalars {
            if afterNewline { line += 1; column = 0 }
            column += 1
            afterNewline = ch == "\n"
            if !escaped && quote != "`" && ch == "\\" { escaped = true; continue }
            if let q = quote {
                if q == "\"" && escaped {
                    if ch != "\"" { text.append("\\") }
                    escaped = false
                } else if ch == q {
                    finish(); continue
                }
                if ch == "\n" { caddyLine += 1 + skipped; skipped = 0 }
                text.append(ch); continue
            }
            if ch.properties.isWhitespace {
                if ch == "\r" { continue }
                if ch == "\n" {
                    if escaped { skipped += 1; escaped = false } else { caddyLine += 1 + skipped; skipped = 0 }
                    comment = false
                }
                if !text.isEmpty { finish() }
                continue
            }
            if ch == "#" && text.isEmpty { comment = true }
            if comment { continue }
            if text.isEmpty {
                token = Token(text: "", quoted: false, caddyLine: caddyLine, line: line, column: column)
                if ch == "\"" || ch == "`" { quote = ch; continue }
            }
            if escaped {
                if ch != "<" { text.append("\\") }
                escaped = false
            }
            text.append(ch)
        }
        if !text.isEmpty { finish() }
        return tokens
    }
}
