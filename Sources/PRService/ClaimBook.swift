/// What paid requests between their settlement and their work have claimed: the files a manifest
/// writes (`file:`), its content (`manifest:`) and PRs (`pr:`). Another request for any of them is
/// refused before it pays.
struct ClaimBook {
    private var claims: [String: [String]] = [:]

    mutating func claim(_ keys: [String], for request: String) throws {
        let taken = Set(claims.values.joined())
        if let busy = keys.first(where: taken.contains) {
            var error = ServiceError(
                .conflict,
                "another paid request is changing \(busy.drop { $0 != ":" }.dropFirst()) right now; nothing was charged: try again in a few seconds",
                field: "files")
            error.retryAfter = 2
            throw error
        }
        claims[request] = keys
    }

    mutating func release(_ request: String) { claims[request] = nil }
}
