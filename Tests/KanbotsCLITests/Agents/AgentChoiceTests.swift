import Foundation
import Testing

/// Section 4 of issue 11: which agent and model a run gets (flags > card >
/// persona > config), `git kanbots agents`, and the wall-clock cap.
@Suite("choosing and bounding agents") struct AgentChoiceTests {
    /// A fake Claude that records its arguments and ends at once.
    static func recordingClaude(_ argsFile: String) -> String {
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > \(shellQuoted(argsFile))\nexit 0\n"
    }

    @Test func cardThenPersonaThenConfigChooseAgentAndModelAndFlagsWin() throws {
        try Sandbox.with(cards: ["Plain card"]) { sandbox in
            try sandbox.installFakeAgent("claude", script: Self.recordingClaude(sandbox.root + "/args"))
            let pinned = try sandbox.newCard("Pinned card", "--agent", "claude", "--model", "card-model")
            let shown = try sandbox.kanbots("card", "show", String(pinned), "--json")
            #expect(shown.stdout.contains(#""agent": "claude""#) && shown.stdout.contains(#""model": "card-model""#),
                    "\(shown.stdout)")

            // The card's choice.
            let fromCard = try sandbox.dispatch(pinned)
            _ = try sandbox.finishedRun(fromCard.id)
            #expect(try sandbox.record(fromCard.id)["Agent"] == "claude")
            #expect(try sandbox.record(fromCard.id)["Model"] == "card-model")
            #expect(sandbox.read(sandbox.root + "/args")?.contains("card-model") == true)

            // A flag naming another agent drops the card's model with its agent.
            let overridden = try sandbox.dispatch(pinned, ["--agent", "demo"])
            _ = try sandbox.finishedRun(overridden.id)
            #expect(try sandbox.record(overridden.id)["Agent"] == "demo")
            #expect(try sandbox.record(overridden.id)["Model"] != "card-model")

            // A shared persona's choice applies to a card without one.
            try sandbox.kanbotsOK("persona", "set", "tester", "--agent", "claude", "--model", "cheap-model")
            let listed = try sandbox.kanbots("persona", "list", "--json")
            #expect(listed.stdout.contains(#""model": "cheap-model""#), "\(listed.stdout)")
            let fromPersona = try sandbox.dispatch(1, ["--persona", "tester"])
            _ = try sandbox.finishedRun(fromPersona.id)
            #expect(try sandbox.record(fromPersona.id)["Agent"] == "claude")
            #expect(try sandbox.record(fromPersona.id)["Model"] == "cheap-model")

            // The card beats the persona; --model beats both.
            let both = try sandbox.dispatch(pinned, ["--persona", "tester", "--model", "flag-model"])
            _ = try sandbox.finishedRun(both.id)
            #expect(try sandbox.record(both.id)["Model"] == "flag-model")

            // Config is the last word: the default persona names nothing here.
            try sandbox.gitOK("config", "kanbots.model", "config-model")
            let fromConfig = try sandbox.dispatch(1)
            _ = try sandbox.finishedRun(fromConfig.id)
            #expect(try sandbox.record(fromConfig.id)["Agent"] == "demo")
            #expect(try sandbox.record(fromConfig.id)["Model"] == "config-model")

            // Clearing the card's agent, and refusing an unknown one.
            try sandbox.kanbotsOK("card", "edit", String(pinned), "--agent", "none", "--model", "none")
            #expect(!(try sandbox.kanbots("card", "show", String(pinned), "--json").stdout.contains("card-model")))
            let unknown = try sandbox.kanbots("card", "edit", String(pinned), "--agent", "nosuch")
            #expect(!unknown.succeeded && unknown.stderr.contains("unknown agent 'nosuch'")
                && unknown.stderr.contains("kanbots.agent.nosuch.protocol acp"), "\(unknown)")
        }
    }

    /// A persona may name only an agent or a model, shared or in this
    /// clone's config: it is listed, and shown with the default text its
    /// runs get.
    @Test func aPersonaWithOnlyAnAgentOrModelIsAPersona() throws {
        try Sandbox.with { sandbox in
            try sandbox.kanbotsOK("persona", "set", "cheap", "--model", "small-model")
            try sandbox.gitOK("config", "kanbots.persona.local.agent", "demo")
            struct Persona: Decodable { var name: String, origin: String, text: String?, agent: String?, model: String? }
            let listed = try JSON.decode([Persona].self, from: try sandbox.kanbots("persona", "list", "--json"))
            let byName = Dictionary(listed.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            #expect(byName["cheap"].map { $0.origin == "shared" && $0.text == nil && $0.model == "small-model" } == true,
                    "\(listed)")
            #expect(byName["local"].map { $0.origin == "config" && $0.agent == "demo" } == true, "\(listed)")
            #expect(byName["engineer"]?.text?.isEmpty == false && listed.map(\.name) == listed.map(\.name).sorted())

            let text = try sandbox.kanbots("persona", "list").stdout
            #expect(text.contains("cheap") && text.contains("small-model") && text.contains("(no text"), "\(text)")
            let shown = try sandbox.kanbots("persona", "show", "cheap")
            let engineer = try sandbox.kanbots("persona", "show", "engineer")
            #expect(shown.succeeded && shown.output == engineer.output, "\(shown)")
            expectCleanError(try sandbox.kanbots("persona", "show", "nobody"), mentioning: "unknown persona 'nobody'")
        }
    }

    /// claude-code-acp answers no `--version`: what can be known is the
    /// package it was installed from, a venv's dist-info or a node package.
    @Test func agentsWithoutAVersionShowTheirPackage() throws {
        try Sandbox.with { sandbox in
            let silent = "#!/bin/sh\nexit 2\n"
            let venv = sandbox.root + "/venv"
            try sandbox.write(venv + "/bin/py-acp", silent, executable: true)
            for info in ["py_acp-2.3.4.dist-info", "py_acp_helpers-9.9.dist-info"] {
                try FileManager.default.createDirectory(atPath: venv + "/lib/python3.11/site-packages/" + info,
                                                        withIntermediateDirectories: true)
            }
            let package = sandbox.root + "/project/node_modules/@acme/node-acp"
            try sandbox.write(package + "/dist/index.js", silent, executable: true)
            try sandbox.write(package + "/package.json", #"{"name": "@acme/node-acp", "version": "0.9.0"}"#)
            try sandbox.write(sandbox.root + "/project/package.json", #"{"name": "project", "version": "1.0.0"}"#)
            let link = sandbox.root + "/project/node_modules/.bin/node-acp"
            try FileManager.default.createDirectory(atPath: sandbox.root + "/project/node_modules/.bin",
                                                    withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "../@acme/node-acp/dist/index.js")
            try sandbox.write(sandbox.root + "/project/bin/plain", silent, executable: true)
            for (name, path) in [("py", venv + "/bin/py-acp"), ("node", link), ("plain", sandbox.root + "/project/bin/plain")] {
                try sandbox.gitOK("config", "kanbots.agent.\(name).protocol", "acp")
                try sandbox.gitOK("config", "kanbots.agent.\(name).path", path)
            }

            struct Agent: Decodable { var name: String, version: String?, package: String? }
            let agents = try JSON.decode([Agent].self, from: try sandbox.kanbots("agents", "--json"))
            let byName = Dictionary(agents.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            #expect(byName["py"]?.version == nil && byName["py"]?.package == "py-acp 2.3.4 (PyPI)", "\(agents)")
            #expect(byName["node"]?.package == "@acme/node-acp 0.9.0 (npm)", "\(agents)")
            #expect(byName["plain"].map { $0.package == nil && $0.version == nil } == true, "\(agents)")
            #expect(byName["demo"]?.package == nil)

            let text = try sandbox.kanbots("agents").stdout
            #expect(text.contains("py-acp 2.3.4 (PyPI)") && text.contains("found, version unknown"), "\(text)")
        }
    }

    @Test func agentsListsBuiltInAndConfiguredAgentsWithVersionsAndMetering() throws {
        try Sandbox.with { sandbox in
            try sandbox.installFakeAgent("claude", script: "#!/bin/sh\necho '2.1.0 (Claude Code)'\n")
            let vibe = sandbox.root + "/agents/vibe-acp"
            try sandbox.write(vibe, "#!/bin/sh\n[ \"$1\" = --version ] && echo 'vibe 1.2.3'\n", executable: true)
            try sandbox.gitOK("config", "kanbots.agent.vibe.protocol", "acp")
            try sandbox.gitOK("config", "kanbots.agent.vibe.path", vibe)
            // One that starts a session instead of printing a version.
            let stuck = sandbox.root + "/agents/stuck"
            try sandbox.write(stuck, "#!/bin/sh\nsleep 600\n", executable: true)
            try sandbox.gitOK("config", "kanbots.agent.stuck.protocol", "acp")
            try sandbox.gitOK("config", "kanbots.agent.stuck.path", stuck)
            try sandbox.gitOK("config", "kanbots.agent.gone.protocol", "acp")
            try sandbox.gitOK("config", "kanbots.agent.gone.path", sandbox.root + "/nowhere")
            try sandbox.gitOK("config", "kanbots.agent.codex.path", sandbox.root + "/nowhere-codex")

            struct Agent: Decodable {
                var name: String, `protocol`: String, builtIn: Bool, found: Bool
                var path: String?, version: String?, metering: String, mayBeUnmetered: Bool, problem: String?
                enum CodingKeys: String, CodingKey {
                    case name, `protocol`, builtIn = "built_in", found, path, version, metering
                    case mayBeUnmetered = "may_be_unmetered", problem
                }
            }
            let agents = try JSON.decode([Agent].self, from: try sandbox.kanbots("agents", "--json"))
            let byName = Dictionary(agents.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            #expect(agents.map(\.name) == ["demo", "claude", "codex", "aider", "gone", "stuck", "vibe"], "\(agents.map(\.name))")
            #expect(byName["demo"]?.found == true && byName["demo"]?.builtIn == true)
            #expect(byName["claude"]?.version == "2.1.0 (Claude Code)")
            #expect(byName["claude"]?.protocol == "claude-stream-json")
            #expect(byName["codex"]?.found == false && byName["codex"]?.problem?.contains("kanbots.agent.codex.path") == true)
            #expect(byName["vibe"]?.protocol == "acp" && byName["vibe"]?.version == "vibe 1.2.3")
            #expect(byName["vibe"]?.mayBeUnmetered == true && byName["vibe"]?.builtIn == false)
            #expect(byName["stuck"]?.found == true && byName["stuck"]?.version == nil)
            #expect(byName["gone"]?.found == false)

            let text = try sandbox.kanbots("agents")
            expectSuccess(text)
            #expect(text.stdout.contains("vibe 1.2.3") && text.stdout.contains("missing"), "\(text.stdout)")
        }
    }

    @Test func maxTimeStopsARunAndIsRequiredForUnmeteredAgents() throws {
        try Sandbox.with(cards: ["Slow"]) { sandbox in
            try sandbox.installFakeAgent("claude", script: "#!/bin/sh\nsleep 300\n")
            let run = try sandbox.dispatch(1, ["--agent", "claude", "--max-time", "2s"])
            let info = try sandbox.finishedRun(run.id, timeout: 90)
            #expect(info.state == "failed" && info.reason?.hasPrefix("time_capped") == true, "\(info.state) \(info.reason ?? "")")
            #expect(try sandbox.record(run.id)["Max-Time"] == "2")

            let bad = try sandbox.kanbots("dispatch", "1", "--max-time", "soon")
            #expect(!bad.succeeded && bad.stderr.contains("--max-time 'soon' is not a duration"), "\(bad)")
            try sandbox.gitOK("config", "kanbots.max-time", "later")
            let badConfig = try sandbox.kanbots("dispatch", "1")
            #expect(!badConfig.succeeded && badConfig.stderr.contains("kanbots.max-time is 'later'"), "\(badConfig)")
            try sandbox.gitOK("config", "--unset", "kanbots.max-time")

            let acp = sandbox.root + "/agents/acp"
            try sandbox.write(acp, "#!/bin/sh\nexit 0\n", executable: true)
            try sandbox.gitOK("config", "kanbots.agent.acpish.protocol", "acp")
            try sandbox.gitOK("config", "kanbots.agent.acpish.path", acp)
            let refs = try sandbox.runRefs()
            let unbounded = try sandbox.kanbots("dispatch", "1", "--agent", "acpish")
            #expect(!unbounded.succeeded && unbounded.stderr.contains("--max-time"), "\(unbounded)")
            #expect(try sandbox.runRefs() == refs, "a refused dispatch claimed a run")
            let autopilot = try sandbox.kanbots("autopilot", "start", "--budget", "1", "--agent", "acpish")
            #expect(!autopilot.succeeded && autopilot.stderr.contains("git config kanbots.max-time 30m"), "\(autopilot)")
        }
    }
}
