/// What may not stand in a value written as one line (a unit file's line, an env file's, a commit title).
public enum OneLine {
    /// A scalar that ends a line for some reader, or has no place in one: C0 controls but tab, DEL,
    /// NEL (U+0085) and the Unicode line and paragraph separators.
    public static func breaks(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t") || scalar.value == 0x7F || scalar.value == 0x85
            || scalar.value == 0x2028 || scalar.value == 0x2029
    }

    /// By scalar, not Character: Swift reads "\r\n" as one Character, equal to neither "\r" nor "\n",
    /// and systemd still splits the line there.
    public static func breaks(_ text: String) -> Bool {
        text.unicodeScalars.contains(where: breaks)
    }
}
