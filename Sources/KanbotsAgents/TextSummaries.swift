import KanbotsCore

/// Length of tool-output previews, in characters.
let previewLength = 200
/// Length of one-line tool input summaries, in characters.
let summaryLength = 160

extension String {
    /// The text on one line: runs of whitespace (newlines included) become one
    /// space, and the result is cut to `limit` characters with a trailing "…".
    func singleLine(limit: Int) -> String {
        var result = ""
        var pendingSpace = false
        var count = 0
        for character in self {
            if character.isWhitespace {
                pendingSpace = !result.isEmpty
                continue
            }
            if count + (pendingSpace ? 2 : 1) > limit {
                result.append("…")
                return result
            }
            if pendingSpace {
                result.append(" ")
                count += 1
                pendingSpace = false
            }
            result.append(character)
            count += 1
        }
        return result
    }

    /// The first `limit` characters, with "…" when something was cut. Only
    /// the head is visited, so this is cheap on multi-megabyte outputs.
    func abbreviated(to limit: Int) -> String {
        var index = startIndex
        var count = 0
        while index < endIndex, count < limit {
            formIndex(after: &index)
            count += 1
        }
        return index == endIndex ? self : String(self[..<index]) + "…"
    }

    /// Lines in the text, not counting an empty one after a final newline.
    var lineCount: Int {
        guard !isEmpty else { return 0 }
        var newlines = 0
        for byte in utf8 where byte == 0x0A { newlines += 1 }
        return utf8.last == 0x0A ? newlines : newlines + 1
    }
}

extension ToolResult {
    /// A result whose preview and sizes are taken from the full output text.
    init(toolUseID: String, isError: Bool, output: String) {
        self.init(
            toolUseID: toolUseID, isError: isError,
            preview: output.abbreviated(to: previewLength),
            byteCount: output.utf8.count, lineCount: output.lineCount
        )
    }

    /// A result for output that may still be in its escaped JSON form.
    init(toolUseID: String, isError: Bool, outputValue: Any?) {
        if let large = outputValue as? LargeJSONString {
            self.init(
                toolUseID: toolUseID, isError: isError,
                preview: large.abbreviated(to: previewLength),
                byteCount: large.decodedByteCount, lineCount: large.lineCount
            )
        } else {
            self.init(toolUseID: toolUseID, isError: isError, output: stringValue(outputValue) ?? "")
        }
    }
}

/// Keys whose value best says what a tool call is about, most telling first.
private let summaryKeys = [
    "command", "file_path", "notebook_path", "path", "pattern", "url", "query",
    "description", "prompt", "subagent_type", "skill",
]

/// A one-line summary of a tool's input, e.g. the shell command or file path.
func summarizeToolInput(name: String, input: Any?) -> String {
    guard let input = input as? JSONObject else {
        if let text = input as? String { return text.singleLine(limit: summaryLength) }
        return ""
    }
    switch name {
    case "Grep", "Glob":
        // A pattern alone does not say where the agent looked.
        let pattern = stringValue(input["pattern"]) ?? ""
        if let path = stringValue(input["path"]) {
            return "\(pattern) in \(path)".singleLine(limit: summaryLength)
        }
        return pattern.singleLine(limit: summaryLength)
    case "TodoWrite":
        let todos = (input["todos"] as? [Any])?.count ?? 0
        return "\(todos) todo\(todos == 1 ? "" : "s")"
    default:
        break
    }
    for key in summaryKeys {
        if let value = stringValue(input[key]), !value.isEmpty {
            return value.singleLine(limit: summaryLength)
        }
    }
    return compactJSON(input).singleLine(limit: summaryLength)
}

/// Sorted-key JSON text for a value, or "" when it cannot be serialized.
func compactJSON(_ value: Any) -> String {
    DynamicJSON.serialize(value) ?? ""
}
