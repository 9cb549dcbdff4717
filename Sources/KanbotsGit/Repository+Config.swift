import CLibGit2

extension Repository {
    /// A config value as git would read it (system, global, local), or nil.
    public func configString(_ key: String) throws -> String? {
        var config: OpaquePointer?
        try check("open config", git_repository_config_snapshot(&config, handle))
        defer { git_config_free(config) }
        var entry: UnsafeMutablePointer<git_config_entry>?
        let result = git_config_get_entry(&entry, config, key)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("read config \(key)", result)
        defer { git_config_entry_free(entry) }
        return entry.map { String(cString: $0.pointee.value) }
    }

    /// Every `key = value` under a section prefix such as `kanbots.`.
    public func configEntries(prefix: String) throws -> [(key: String, value: String)] {
        var config: OpaquePointer?
        try check("open config", git_repository_config_snapshot(&config, handle))
        defer { git_config_free(config) }
        var iterator: OpaquePointer?
        let pattern = "^" + prefix.replacing(".", with: "\\.")
        try check("list config", git_config_iterator_glob_new(&iterator, config, pattern))
        defer { git_config_iterator_free(iterator) }
        var entries: [(String, String)] = []
        var entry: UnsafeMutablePointer<git_config_entry>?
        while git_config_next(&entry, iterator) == 0, let entry {
            entries.append((String(cString: entry.pointee.name), String(cString: entry.pointee.value)))
        }
        return entries
    }

    /// Sets a value in this repository's own config file (`.git/config`).
    public func setLocalConfig(_ key: String, _ value: String) throws {
        var config: OpaquePointer?
        try check("open config", git_repository_config(&config, handle))
        defer { git_config_free(config) }
        var local: OpaquePointer?
        try check("open local config", git_config_open_level(&local, config, GIT_CONFIG_LEVEL_LOCAL))
        defer { git_config_free(local) }
        try check("write config \(key)", git_config_set_string(local, key, value))
    }

    /// The names of the configured remotes (`git remote`).
    public func remoteNames() throws -> [String] {
        var list = git_strarray()
        try check("list remotes", git_remote_list(&list, handle))
        defer { git_strarray_dispose(&list) }
        return (0..<list.count).compactMap { list.strings[$0].map { String(cString: $0) } }
    }
}
