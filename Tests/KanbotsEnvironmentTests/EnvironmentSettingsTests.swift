import Foundation
import KanbotsStore
import KanbotsTestSupport
import Testing
@testable import KanbotsEnvironment

@Suite struct EnvironmentSettingsTests {
    @Test func defaultsWhenNothingIsConfigured() throws {
        let scratch = try ScratchRepository()
        let settings = try EnvironmentSettings(Settings(scratch.open()))
        #expect(settings.setupCommands.isEmpty)
        #expect(settings.setupTimeout == 600)
        #expect(settings.portRange == 20000...29999)
        #expect(settings.portsPerRun == 10)
        #expect(settings.services.isEmpty)
    }

    @Test func readsSetupServicesAndPorts() throws {
        let scratch = try ScratchRepository()
        try scratch.git("config", "--add", "kanbots.setup", "python3 -m venv .venv")
        try scratch.git("config", "--add", "kanbots.setup", "touch .env")
        try scratch.git("config", "kanbots.port-range", "30000-30099")
        try scratch.git("config", "kanbots.ports-per-run", "5")
        try scratch.git("config", "kanbots.service.db.command", "postgres -p $KANBOTS_PORT")
        try scratch.git("config", "kanbots.service.db.ready", "pg_isready -p $KANBOTS_PORT")
        try scratch.git("config", "kanbots.service.db.ready-timeout", "30s")
        try scratch.git("config", "kanbots.link", "data/cache/")
        let settings = try EnvironmentSettings(Settings(scratch.open()))
        #expect(settings.setupCommands == ["python3 -m venv .venv", "touch .env"])
        #expect(settings.portRange == 30000...30099)
        #expect(settings.portsPerRun == 5)
        #expect(settings.links == ["data/cache"])
        #expect(settings.services == [.init(name: "db", command: "postgres -p $KANBOTS_PORT",
                                            ready: "pg_isready -p $KANBOTS_PORT", readyTimeout: 30)])
    }

    @Test(arguments: [
        ("kanbots.port-range", "80-90", "kanbots.port-range"),
        ("kanbots.port-range", "3000", "kanbots.port-range"),
        ("kanbots.ports-per-run", "0", "kanbots.ports-per-run"),
        ("kanbots.setup-timeout", "soon", "kanbots.setup-timeout"),
        ("kanbots.link", "../outside", "kanbots.link"),
        ("kanbots.service.web.ready", "curl -f localhost", "kanbots.service.web.command"),
    ])
    func refusesWhatItCannotUnderstand(key: String, value: String, named: String) throws {
        let scratch = try ScratchRepository()
        try scratch.git("config", key, value)
        #expect {
            try EnvironmentSettings(Settings(scratch.open()))
        } throws: { error in
            "\(error)".contains(named) && !"\(error)".contains("\n")
        }
    }
}
