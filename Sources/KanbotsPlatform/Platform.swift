// What every module builds on, imported once for all of them: the Foundation
// that is there (FoundationEssentials on Linux, which keeps the lean
// supervisor small; full Foundation on macOS) and the C library. Re-exported
// by KanbotsCore, KanbotsSystem and KanbotsGit, so neither their files nor
// the modules above them repeat these conditions. A module that needs full
// Foundation (the CLI, the web server) imports it itself.
#if canImport(FoundationEssentials)
@_exported import FoundationEssentials
#else
@_exported import Foundation
#endif
#if canImport(Glibc)
@_exported import Glibc
#elseif canImport(Darwin)
@_exported import Darwin
#endif
