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

    /// The last value of `key`; keys match exactly, or else ignoring case
    /// (for records edited by hand).
    public subscript(key: String) -> String? {
        if let exact = fields.last(where: { $0.key == key }) { return exact.value }
        let lowered = key.lowercased()
        return fields.last(where: { $0.key.lowercased() == lowered })?.value
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
        var lines = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false)[...]
        guard let first = lines.popFirst() else { return nil }
        subject = String(decoding: first, as: UTF8.self)
        fields = []
        for line in lines {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            guard let colon = line.firstIndex(of: 0x3A) else { return nil }
            let key = line[..<colon]
            guard !key.isEmpty, key.allSatisfy({ Self.isKeyByte($0) }) else { return nil }
            var value = line[line.index(after: colon)...]
            if value.first == 0x20 { value = value.dropFirst() }
            let keyText = String(decoding: key, as: UTF8.self)
            let valueText = String(decoding: value, as: UTF8.self)
            fields.append((keyText, valueText))
        }
    }

    /// Calls `body` with each field of a message, in order, without
    /// building the message: the board parses every record there is.
    /// Returns false, like `init(parsing:)` returns nil, when a body line is
    /// not a `Key: value` field.
    public static func forEachField(in text: String, _ body: (String, String) -> Void) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var start = 0
            var isSubject = true
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != 0x0A { end += 1 }
                defer { start = end + 1 }
                if isSubject {
                    isSubject = false
                    continue
                }
                var colon = -1
                var blank = true
                for index in start..<end {
                    let byte = bytes[index]
                    if colon < 0, byte == 0x3A { colon = index }
                    if byte != 0x20, byte != 0x09, byte != 0x0D { blank = false }
                    if colon >= 0, !blank { break }
                }
                if blank { continue }
                guard colon > start else { return false }
                for index in start..<colon where !isKeyByte(bytes[index]) { return false }
                var valueStart = colon + 1
                if valueStart < end, bytes[valueStart] == 0x20 { valueStart += 1 }
                body(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<colon]), as: UTF8.self),
                     String(decoding: UnsafeBufferPointer(rebasing: bytes[valueStart..<max(valueStart, end)]), as: UTF8.self))
            }
            return true
        }
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D
    }

    public static func == (lhs: TrailerMessage, rhs: TrailerMessage) -> Bool {
        lhs.subject == rhs.subject && lhs.fields.map(\.key) == rhs.fields.map(\.key)
            && lhs.fields.map(\.value) == rhs.fields.map(\.value)
    }

    static func singleLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
