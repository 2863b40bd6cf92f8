/// Checks that a Caddyfile block opens and closes its braces in order.
///
/// Quoted strings and `#` comments are skipped, as Caddy's lexer does.
public enum CaddyBraces {
    public struct Problem: Equatable {
        /// Line within the block (1-based), or 0 for the block as a whole.
        public var line: Int
        public var column: Int
        public var message: String
    }

    public static func problem(in block: String) -> Problem? {
        var open: [(Int, Int)] = []
        var line = 1, column = 0
        var inQuote = false, inComment = false, escaped = false
        for character in block {
            column += 1
            if character == "\n" {
                line += 1; column = 0; inComment = false
                continue
            }
            if inComment { continue }
            if inQuote {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inQuote = false
                }
                continue
            }
            switch character {
            case "\"": inQuote = true
            case "#": inComment = true
            case "{": open.append((line, column))
            case "}":
                if open.popLast() == nil {
                    return Problem(
                        line: line, column: column,
                        message:
                            "extra_caddy block closes a '}' that was never opened; remove it or add the missing '{'")
                }
            default: break
            }
        }
        if let (l, c) = open.last {
            return Problem(
                line: l, column: c, message: "extra_caddy block opens a '{' that is never closed; add the missing '}'")
        }
        return nil
    }
}
