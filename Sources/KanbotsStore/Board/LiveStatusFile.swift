import KanbotsCore

/// `runs/<id>/live.json` under the state folder: the supervisor's
/// `LiveStatus`, rewritten atomically, read by the board.
public enum LiveStatusFile {
    public static func path(runDirectory: String) -> String { runDirectory + "/live.json" }

    public static func read(runDirectory: String) -> LiveStatus? {
        guard let data = FileManager.default.contents(atPath: path(runDirectory: runDirectory)) else { return nil }
        return try? JSONDecoder.kanbots.decode(LiveStatus.self, from: data)
    }

    /// Write-then-rename, so a reader never sees half a file.
    public static func write(_ status: LiveStatus, runDirectory: String) throws {
        let target = path(runDirectory: runDirectory)
        let temporary = target + ".tmp"
        try JSONEncoder.kanbots.encode(status).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, target) == 0 else {
            throw KanbotsError.io("cannot write \(target): \(String(cString: strerror(errno)))")
        }
    }
}

extension JSONEncoder {
    public static var kanbots: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

extension JSONDecoder {
    public static var kanbots: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
