/// A commit message made of a subject line and `Key: value` lines, the
/// format of every record we keep (like git trailers and Gerrit's NoteDb
/// footers): readable with `git log`, editable by hand, one fact per line.
public struct TrailerMessage: Equatable, Sendable {
    public var subject: String
    public var fields: [(key: String, value: String)]

    public init(subject: String, fields: [(key: String, value: String)] = []) {
        self.subject = subject
        self.fields = fields
    }

    public subscript(key: String) -> String? {
        fields.last(where: { $0.key.caseInsensitiveCompare(key) == .orderedSame })?.value
    }

    /// Appends a field, dropping nil values; newlines in values become spaces
    /// because one line must stay one fact.
    public mutating func append(_ key: String, _ value: String?) {
        guard let value else { return }
        fields.append((key, Self.singleLine(value)))
    }

    public var text: String {
        var lines = [Self.singleLine(subject), ""]
        lines += fields.map { "\($0.key): \($0.value)" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses a message; returns nil when the body has a line that is not a
    /// `Key: value` field, so a hand-edited record is reported, not guessed at.
    public init?(parsing text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        guard let first = lines.popFirst() else { return nil }
        subject = String(first)
        fields = []
        for line in lines where !line.allSatisfy(\.isWhitespace) {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let key = line[..<colon]
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else { return nil }
            var value = line[line.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
            fields.append((String(key), String(value)))
        }
    }

    public static func == (lhs: TrailerMessage, rhs: TrailerMessage) -> Bool {
        lhs.subject == rhs.subject && lhs.fields.map(\.key) == rhs.fields.map(\.key)
            && lhs.fields.map(\.value) == rhs.fields.map(\.value)
    }

    static func singleLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
