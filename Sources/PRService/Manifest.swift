import Foundation
import PrimModel
import PrimPlan

/// What an agent sends to `POST /v1/pr`: a title, an optional body and labels, and whole files.
public struct Manifest: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public var path: String
        public var content: String

        public init(path: String, content: String) {
            self.path = path
            self.content = content
        }
    }

    public var title: String
    public var body: String
    public var files: [File]
    public var labels: [String]

    public init(title: String, body: String = "", files: [File], labels: [String] = []) {
        self.title = title
        self.body = body
        self.files = files
        self.labels = labels
    }

    /// The same files with the same content give the same hash, whatever their order.
    public var contentHash: String {
        var bytes: [UInt8] = []
        for file in files.sorted(by: { $0.path < $1.path }) {
            bytes +=
                Array("\(file.path.utf8.count):\(file.path)\(file.content.utf8.count):".utf8) + Array(file.content.utf8)
        }
        return Digest.sha256(bytes)
    }

    /// Reads a request body, naming the field that is wrong.
    public static func decode(_ body: [UInt8]) throws(ServiceError) -> Manifest {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)), let fields = object as? [String: Any]
        else {
            throw ServiceError(
                .invalidRequest,
                "the body must be a JSON object: {\"title\": …, \"files\": [{\"path\": …, \"content\": …}]}",
                field: "body")
        }
        let known: Set = ["title", "body", "files", "labels"]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw ServiceError(
                .invalidRequest, "unknown field '\(unknown)'; the fields are title, body, files, labels", field: unknown
            )
        }
        guard let title = fields["title"] as? String, !title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else {
            throw ServiceError(
                .invalidRequest, "title is required: a non-empty string saying what the change does", field: "title")
        }
        guard title.count <= 200, !OneLine.breaks(title) else {
            throw ServiceError(.invalidRequest, "title must be one line of at most 200 characters", field: "title")
        }
        var body = ""
        if let value = fields["body"], !(value is NSNull) {
            guard let text = value as? String else {
                throw ServiceError(.invalidRequest, "body must be a string", field: "body")
            }
            body = text
        }
        var labels: [String] = []
        if let value = fields["labels"], !(value is NSNull) {
            guard let list = value as? [Any] else {
                throw ServiceError(.invalidRequest, "labels must be a list of strings", field: "labels")
            }
            for (index, item) in list.enumerated() {
                guard let label = item as? String, !label.isEmpty, label.count <= 50,
                    label.allSatisfy({ $0.isLetter || $0.isNumber || "-_.:".contains($0) })
                else {
                    throw ServiceError(
                        .invalidRequest, "labels[\(index)] must be 1–50 letters, digits, '-', '_', '.' or ':'",
                        field: "labels[\(index)]")
                }
                labels.append(label)
            }
        }
        guard let list = fields["files"] as? [Any], !list.isEmpty else {
            throw ServiceError(
                .invalidRequest, "files is required: a non-empty list of {\"path\", \"content\"}", field: "files")
        }
        var files: [File] = []
        for (index, item) in list.enumerated() {
            guard let entry = item as? [String: Any] else {
                throw ServiceError(
                    .invalidRequest, "files[\(index)] must be an object {\"path\", \"content\"}",
                    field: "files[\(index)]")
            }
            if let unknown = entry.keys.sorted().first(where: { $0 != "path" && $0 != "content" }) {
                throw ServiceError(
                    .invalidRequest, "files[\(index)] has an unknown field '\(unknown)'; a file has path and content",
                    field: "files[\(index)].\(unknown)")
            }
            guard let path = entry["path"] as? String else {
                throw ServiceError(
                    .invalidRequest, "files[\(index)].path is required and must be a string",
                    field: "files[\(index)].path")
            }
            guard let content = entry["content"] as? String else {
                throw ServiceError(
                    .invalidRequest, "files[\(index)].content is required and must be a string (the whole file)",
                    field: "files[\(index)].content")
            }
            files.append(File(path: path, content: content))
        }
        return Manifest(title: title, body: body, files: files, labels: labels)
    }
}
