import CLibGit2

extension Repository {
    /// Caps libgit2's process-wide memory: the object cache and the size of
    /// packfile windows kept mapped. For long-lived processes (the autopilot
    /// orchestrator) that read many records over hours; the defaults favour
    /// short commands (a 256 MB cache, gigabytes of mapped packs).
    public static func limitMemory(cacheBytes: Int, mappedPackBytes: Int) {
        _ = libgit2Initialized
        _ = kanbots_set_cache_max_size(Int64(cacheBytes))
        _ = kanbots_set_mwindow_mapped_limit(mappedPackBytes)
    }
}
