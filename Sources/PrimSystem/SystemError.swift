/// A failure at the OS boundary, with what was being done and how to fix it.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public enum Class: String, Sendable {
        /// Retrying will not help; a person must act.
        case stalled
        /// Worth retrying with backoff (a server down, a timeout).
        case transient
    }

    public var message: String
    public var errorClass: Class

    public init(_ message: String, class errorClass: Class = .stalled) {
        self.message = message
        self.errorClass = errorClass
    }

    public var description: String { message }
}
