extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line ends.
    public var trimmingWhitespace: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[first...last])
    }

    /// The text with zeros in front up to `width` characters: "7" → "007".
    public func leftPadded(to width: Int) -> String {
        count >= width ? String(self) : String(repeating: "0", count: width - count) + self
    }
}
