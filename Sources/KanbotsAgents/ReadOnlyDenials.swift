import KanbotsCore

/// Finds the paths an agent was refused because they are read-only (EROFS:
/// "Read-only file system"), in what it printed: its stderr and its
/// transcript (tool outputs). Shells, coreutils, git and Python word it
/// differently; each puts the path just before the message, quoted or not:
///
///     touch: cannot touch '/repo/x': Read-only file system
///     sh: 1: cannot create /home/u/x: Read-only file system
///     fatal: Unable to create '/repo/.git/index.lock': Read-only file system
///     OSError: [Errno 30] Read-only file system: '/repo/x'
public enum ReadOnlyDenials {
    static let message = "Read-only file system"

    public static func paths(in text: String) -> [String] {
        var found: [String] = []
        // A stream line may hold a whole block of output, its lines escaped
        // (`\n` in JSON, as aider-client writes a shell's output).
        let lines = text.replacing("\\n", with: "\n").split(whereSeparator: \.isNewline)
        for line in lines where line.contains(message) {
            guard let path = path(in: String(line)), !found.contains(path) else { continue }
            found.append(path)
        }
        return found
    }

    static func path(in line: String) -> String? {
        // Stream lines are JSON: undo the escaping of quotes and slashes first.
        let line = line.replacing("\\'", with: "'").replacing("\\\"", with: "\"")
            .replacing("\\/", with: "/")
        guard let range = line.firstRange(of: message) else { return nil }
        let before = line[..<range.lowerBound].trimming(charactersIn: ": ")
        let after = line[range.upperBound...].trimming(charactersIn: ": ")
        // Python: `...Read-only file system: '/path'`.
        if let quoted = firstQuoted(after), quoted.hasPrefix("/") { return quoted }
        if let quoted = lastQuoted(before), quoted.hasPrefix("/") { return quoted }
        // Unquoted: the last word before the message that is an absolute path.
        let word = before.split(separator: " ").last.map(String.init) ?? ""
        return word.hasPrefix("/") ? word : nil
    }

    private static func firstQuoted(_ text: String) -> String? {
        guard let quote = text.first(where: { $0 == "'" || $0 == "\"" }),
              let start = text.firstIndex(of: quote) else { return nil }
        let rest = text[text.index(after: start)...]
        return rest.firstIndex(of: quote).map { String(rest[..<$0]) }
    }

    private static func lastQuoted(_ text: String) -> String? {
        guard let quote = text.last, quote == "'" || quote == "\"" else { return nil }
        let body = text.dropLast()
        return body.lastIndex(of: quote).map { String(body[body.index(after: $0)...]) }
    }
}
