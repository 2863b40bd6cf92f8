/// How a message quotes a value someone else chose (a prim's answer): control characters and
/// quotes escaped, at most 66 characters (cut to 63 and "..."). Redaction knows these forms.
public enum Quoting {
    public static let longest = 66

    public static func shown(_ value: String) -> String {
        let escaped = self.escaped(value)
        return escaped.count > longest ? String(escaped.prefix(longest - 3)) + "..." : escaped
    }

    public static func escaped(_ value: String) -> String { value.debugDescriptionEscaped }
}
