import Foundation
import Testing

#if os(Linux)
/// What every command pays before it does anything.
@Suite("start-up") struct StartupTests {
    /// libgit2 (mbed TLS on Debian) would parse the whole CA bundle when it
    /// starts; git-kanbots exports a stand-in for that one call
    /// (LibGit2Startup.swift), so libgit2 must bind to it, not to mbed TLS.
    @Test func libgit2BindsTheCABundleParseToTheStandIn() throws {
        try Sandbox.with(cards: ["One"]) { sandbox in
            let binary = try KanbotsBinary.path()
            // glibc's loader reports each symbol it binds, and to which object.
            let result = try sandbox.run(binary, ["board"], environment: ["LD_DEBUG": "bindings"])
            #expect(result.succeeded, "\(result)")
            let bindings = result.stderr.split(separator: "\n").filter { $0.hasSuffix("`mbedtls_x509_crt_parse_file'") }
            #expect(!bindings.isEmpty, "libgit2 never asked for the CA bundle parse: not built on mbed TLS?")
            for binding in bindings {
                #expect(binding.contains(" to \(binary) "), "bound elsewhere: \(binding)")
            }
            // And the board is the board: nothing else changed.
            #expect(result.stdout.contains("Todo (1)"), "\(result.stdout)")
        }
    }
}
#endif
