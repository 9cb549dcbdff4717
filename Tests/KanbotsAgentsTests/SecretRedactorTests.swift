import Foundation
import Testing

@testable import KanbotsAgents

@Suite struct SecretRedactorTests {
    let redactor = SecretRedactor()

    /// Builds the secrets at run time so this file holds no literal that
    /// looks like a live credential to scanners.
    static func secret(_ parts: String...) -> String { parts.joined() }

    static let shapes: [(name: String, secret: String)] = [
        ("anthropic", secret("sk-ant-", "api03-", "Xy9aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789-_abcDEF")),
        ("openai", secret("sk-", "abcdEFGH1234ijklMNOP5678qrstUVWX")),
        ("openai project", secret("sk-", "proj-", "Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56")),
        ("github classic", secret("ghp", "_", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8")),
        ("github oauth", secret("gho", "_", "16C7e42F292c6912E7710c838347Ae178B4a")),
        ("github user", secret("ghu", "_", "16C7e42F292c6912E7710c838347Ae178B4a")),
        ("github server", secret("ghs", "_", "16C7e42F292c6912E7710c838347Ae178B4a")),
        ("github refresh", secret("ghr", "_", "16C7e42F292c6912E7710c838347Ae178B4a")),
        ("github fine-grained", secret("github_pat_", "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ")),
        ("aws", secret("AKIA", "IOSFODNN7EXAMPLE")),
        ("slack", secret("xoxb", "-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx")),
    ]

    /// Each shape inside a tool result, at the start of a line of output
    /// (after a JSON "\n" escape) and mid-sentence.
    @Test(arguments: shapes.map(\.name))
    func redactsTokenShapes(name: String) throws {
        let secret = try #require(Self.shapes.first { $0.name == name }?.secret)
        let line = #"{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t","content":"env:\n\#(secret)\nkey is \#(secret), ok"}]}}"#
        let redacted = redactor.redact(line)
        #expect(!redacted.contains(secret))
        #expect(redacted.components(separatedBy: SecretRedactor.replacement).count == 3)
        let object = try JSONSerialization.jsonObject(with: Data(redacted.utf8)) as? [String: Any]
        #expect(object?["type"] as? String == "user")
    }

    @Test func redactsBearerHeadersButKeepsTheScheme() throws {
        let token = Self.secret("eyJhbGciOiJIUzI1NiJ9", ".eyJzdWIiOiIxMjM0In0.abc123")
        let line = #"{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t","name":"Bash","input":{"command":"curl -H 'Authorization: Bearer \#(token)' https://api.example.com"}}]}}"#
        let redacted = redactor.redact(line)
        #expect(!redacted.contains(token))
        #expect(redacted.contains("Authorization: Bearer [REDACTED]' https://api.example.com"))
        _ = try JSONSerialization.jsonObject(with: Data(redacted.utf8))
    }

    @Test func redactsPrivateKeyBlocksWholeOrCut() throws {
        let body = Self.secret("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "\\nBKcwggSjAgEAAoIBAQC7\\n")
        let whole = #"{"content":"key:\n-----BEGIN PRIVATE KEY-----\n\#(body)-----END PRIVATE KEY-----\nend","k":"v"}"#
        let redactedWhole = redactor.redact(whole)
        #expect(redactedWhole == #"{"content":"key:\n[REDACTED]\nend","k":"v"}"#)
        // A preview may cut the block; everything to the end of the string goes.
        let cut = #"{"content":"-----BEGIN RSA PRIVATE KEY-----\n\#(body)","k":"v"}"#
        #expect(redactor.redact(cut) == #"{"content":"[REDACTED]","k":"v"}"#)
        _ = try JSONSerialization.jsonObject(with: Data(redactedWhole.utf8))
    }

    @Test func redactsSecretLookingJSONFields() throws {
        let line = #"{"type":"x","api_key":"abc123","apiKey":"k-9","GITHUB_TOKEN":"t0k","password":"p\"w\\d","client_secret":"s3","input_tokens":12,"apiKeySource":"ANTHROPIC_API_KEY"}"#
        let redacted = redactor.redact(line)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(redacted.utf8)) as? [String: Any])
        for key in ["api_key", "apiKey", "GITHUB_TOKEN", "password", "client_secret"] {
            #expect(object[key] as? String == SecretRedactor.replacement, "\(key)")
        }
        #expect(object["input_tokens"] as? Int == 12)
        #expect(object["apiKeySource"] as? String == "ANTHROPIC_API_KEY")
    }

    /// Tool output that is itself JSON arrives quoted inside a JSON string.
    @Test func redactsFieldsOfJSONQuotedInsideAString() throws {
        let line = #"{"type":"user","content":"{\"name\":\"svc\",\"db_password\":\"hunter22\",\"auth_token\":\"t-1\"}"}"#
        let redacted = redactor.redact(line)
        #expect(redacted == #"{"type":"user","content":"{\"name\":\"svc\",\"db_password\":\"[REDACTED]\",\"auth_token\":\"[REDACTED]\"}"}"#)
        _ = try JSONSerialization.jsonObject(with: Data(redacted.utf8))
    }

    @Test func redactsTokenAssignments() {
        let value = Self.secret("abcd", "1234efgh")
        let line = #"{"command":"export GH_TOKEN=\#(value) && curl 'https://x.test/?access_token=\#(value)&page=2'"}"#
        #expect(redactor.redact(line) == #"{"command":"export GH_TOKEN=[REDACTED] && curl 'https://x.test/?access_token=[REDACTED]&page=2'"}"#)
    }

    @Test func leavesOrdinaryLinesAlone() {
        let lines = [
            Fixture.claudeLines[1], Fixture.claudeLines[13], Fixture.codexLines[4],
            #"{"text":"the risk-assessment-for-2025 task-runner-v2-config disk-0123456789012345678901 is fine"}"#,
            #"{"text":"a bearer of bad news; Bearer token; max_tokens=4096"}"#,
        ]
        for line in lines {
            #expect(redactor.redact(line) == line)
        }
        let data = Data(Fixture.claudeLines[4].utf8)
        #expect(redactor.redact(data) == data)
    }

    @Test func redactsBytesToo() {
        let secret = Self.secret("ghp", "_", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8")
        let redacted = redactor.redact(Data(#"{"t":"\#(secret)"}"#.utf8))
        #expect(String(decoding: redacted, as: UTF8.self) == #"{"t":"[REDACTED]"}"#)
    }

    /// Regular expressions give up silently on multi-megabyte matches; the
    /// value must still go, however long it is.
    @Test func redactsSecretsOfAnyLength() {
        let body = String(repeating: #"QUJDRA\n"#, count: 400_000)  // 3.2 MB of escapes
        #expect(redactor.redact(#"{"content":"-----BEGIN PRIVATE KEY-----\n\#(body)"}"#) == #"{"content":"[REDACTED]"}"#)
        #expect(redactor.redact(#"{"password":"\#(body)","x":1}"#) == #"{"password":"[REDACTED]","x":1}"#)
        #expect(redactor.redact(#"{"c":"{\"password\":\"\#(body)\"}"}"#) == #"{"c":"{\"password\":\"[REDACTED]\"}"}"#)
    }

    @Test func stopsAKeyBlockAtItsFooterOrAtAnotherKindOfBlock() {
        let line = #"{"c":"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"}"#
        #expect(redactor.redact(line) == #"{"c":"[REDACTED]\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"}"#)
    }
}
