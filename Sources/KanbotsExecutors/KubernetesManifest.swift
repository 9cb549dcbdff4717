import KanbotsCore

/// The `batch/v1` Job manifest of one run, rendered from a pod template:
/// the built-in one below, or the user's (`kanbots.kubernetes.template`, a
/// YAML file in the repository) with the same placeholders. Stored in the
/// run's record tree as `job.yaml`.
///
/// Rendering is text substitution, not a YAML library: the template is the
/// user's own YAML, kept as written, and every value we put in is either a
/// plain word (names, numbers, label values) or the job script as a literal
/// block. It holds no secret: the Secret is named, never read.
public struct KubernetesManifest: Sendable {
    /// The values the placeholders stand for.
    public var name: String
    public var run: String
    public var card: Int
    public var repository: String
    public var image: String
    public var secret: String
    /// `activeDeadlineSeconds`; nil leaves out every line that names it.
    public var deadline: Int?
    public var script: String

    public init(name: String, run: String, card: Int, repository: String, image: String, secret: String,
                deadline: Int?, script: String) {
        self.name = name
        self.run = run
        self.card = card
        self.repository = repository
        self.image = image
        self.secret = secret
        self.deadline = deadline
        self.script = script
    }

    /// The placeholders and their values. `{{script}}` is special: it must
    /// end its line, and becomes a literal block (`|`) indented under it.
    var values: [String: String?] {
        ["name": name, "run": run, "card": String(card), "repository": repository, "image": image,
         "secret": secret, "deadline": deadline.map(String.init)]
    }

    public static let placeholders = ["name", "run", "card", "repository", "image", "secret", "deadline", "script"]

    /// `template` with every placeholder replaced. A line naming a
    /// placeholder without a value (`{{deadline}}` of a run without
    /// `--max-time`) is left out; an unknown placeholder is an error, so a
    /// typo never reaches the cluster.
    public func render(_ template: String) throws -> String {
        try Self.check(template)
        var lines: [String] = []
        for line in template.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            var rendered = line
            var dropped = false
            for name in Self.names(in: line) {
                if name == "script" {
                    rendered = Self.literalBlock(script, replacing: "{{script}}", in: rendered)
                    continue
                }
                guard let value = values[name] ?? nil else { dropped = true; break }
                rendered = rendered.replacing("{{\(name)}}", with: value)
            }
            if !dropped { lines.append(rendered) }
        }
        return lines.joined(separator: "\n")
    }

    /// Refuses a template naming an unknown placeholder (a typo), or
    /// lacking `{{name}}` (stop and liveness find the Job by it) or
    /// `{{script}}` (the job itself), so it never reaches the cluster:
    /// checked before a run is claimed.
    public static func check(_ template: String) throws {
        let named = template.split(separator: "\n").flatMap { names(in: String($0)) }
        if let unknown = named.first(where: { !placeholders.contains($0) }) {
            throw ExecutorError(
                "the Kubernetes template names {{\(unknown)}}, which is not one of "
                    + placeholders.map { "{{\($0)}}" }.joined(separator: ", ") + ": fix kanbots.kubernetes.template")
        }
        if let missing = ["name", "script"].first(where: { !named.contains($0) }) {
            throw ExecutorError("the Kubernetes template lacks {{\(missing)}}: add it (docs/executors.md) or unset kanbots.kubernetes.template")
        }
    }

    /// The names between `{{` and `}}` on a line (the compact form only, as documented).
    static func names(in line: String) -> [String] {
        var names: [String] = []
        var rest = Substring(line)
        while let open = rest.firstRange(of: "{{"), let close = rest[open.upperBound...].firstRange(of: "}}") {
            names.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return names
    }

    /// `placeholder` (at the end of `line`) replaced by a YAML literal
    /// block holding `text`, indented two spaces more than the line, so it
    /// is valid under a key (`key: {{script}}`) or in a list (`- {{script}}`).
    static func literalBlock(_ text: String, replacing placeholder: String, in line: String) -> String {
        let indent = String(repeating: " ", count: line.prefix { $0 == " " }.count + 2)
        var body = text.hasSuffix("\n") ? String(text.dropLast()) : text
        body = body.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : indent + $0 }.joined(separator: "\n")
        return line.replacing(placeholder, with: "|\n" + body)
    }

    /// The built-in template: one container running the job script with
    /// `sh -c`, credentials from the named Secret (optional, so an agent
    /// that needs none starts without it), never retried (`backoffLimit: 0`:
    /// a retry would run the agent twice), ended by Kubernetes a minute
    /// after the run's `--max-time`.
    public static let defaultTemplate = """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: {{name}}
          labels:
            app.kubernetes.io/managed-by: git-kanbots
            kanbots/repository: {{repository}}
            kanbots/run: {{run}}
          annotations:
            kanbots/card: "{{card}}"
        spec:
          backoffLimit: 0
          activeDeadlineSeconds: {{deadline}}
          template:
            metadata:
              labels:
                app.kubernetes.io/managed-by: git-kanbots
                kanbots/repository: {{repository}}
                kanbots/run: {{run}}
            spec:
              restartPolicy: Never
              containers:
                - name: kanbots
                  image: {{image}}
                  command: ["/bin/sh", "-c"]
                  args:
                    - {{script}}
                  env:
                    - name: KANBOTS_JOB_ID
                      value: {{name}}
                    - name: KANBOTS_NODE
                      valueFrom:
                        fieldRef:
                          fieldPath: spec.nodeName
                  envFrom:
                    - secretRef:
                        name: {{secret}}
                        optional: true

        """
}
