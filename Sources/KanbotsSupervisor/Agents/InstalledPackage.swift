import KanbotsCore
import KanbotsSystem

/// The package an agent's program was installed from, for `agents` when the
/// program prints no `--version` (claude-code-acp starts a session instead):
/// a Python console script's `NAME-VERSION.dist-info` in the prefix above
/// its `bin/` (a venv, pipx, `~/.local`), or the `package.json` of the node
/// package its symlink points into (`node_modules/.bin/…`, `npm -g`).
enum InstalledPackage {
    /// `NAME VERSION (PyPI)` or `NAME VERSION (npm)`; nil when neither is found.
    static func describe(program: String) -> String? {
        let resolved = AgentConfinement.resolvedPath(program)
        let name = PathName.lastComponent(of: program)
        for path in Set([program, resolved]) {
            if let version = pythonVersion(name: name, program: path) { return "\(name) \(version) (PyPI)" }
        }
        return nodePackage(resolvedProgram: resolved)
    }

    /// The version in `PREFIX/lib/python3.*/site-packages/NAME-VERSION.dist-info`,
    /// with PREFIX the folder above the program's `bin/`.
    static func pythonVersion(name: String, program: String) -> String? {
        let bin = PathName.parent(of: program)
        guard PathName.lastComponent(of: bin) == "bin" else { return nil }
        let library = PathName.parent(of: bin) + "/lib"
        let manager = FileManager.default
        let wanted = normalized(name)
        for python in (try? manager.contentsOfDirectory(atPath: library)) ?? [] where python.hasPrefix("python") {
            let sitePackages = library + "/" + python + "/site-packages"
            for entry in (try? manager.contentsOfDirectory(atPath: sitePackages)) ?? [] where entry.hasSuffix(".dist-info") {
                let stem = entry.dropLast(".dist-info".count)
                guard let dash = stem.lastIndex(of: "-"), normalized(String(stem[..<dash])) == wanted else { continue }
                return String(stem[stem.index(after: dash)...])
            }
        }
        return nil
    }

    /// The nearest `package.json` above the resolved program, a few folders up.
    static func nodePackage(resolvedProgram: String) -> String? {
        struct Package: Decodable { var name: String?; var version: String? }
        // Anywhere else, the nearest package.json is some project's, not the program's.
        guard resolvedProgram.contains("/node_modules/") else { return nil }
        var folder = PathName.parent(of: resolvedProgram)
        for _ in 0..<4 where folder != "/" {
            if let data = FileManager.default.contents(atPath: folder + "/package.json") {
                guard let package = try? JSONDecoder().decode(Package.self, from: data),
                      let name = package.name, let version = package.version else { return nil }
                return "\(name) \(version) (npm)"
            }
            folder = PathName.parent(of: folder)
        }
        return nil
    }

    /// PyPI's name normalization (PEP 503): case, `-`, `_` and `.` do not matter.
    static func normalized(_ name: String) -> String {
        String(name.lowercased().map { "-_.".contains($0) ? "_" : $0 })
    }
}
