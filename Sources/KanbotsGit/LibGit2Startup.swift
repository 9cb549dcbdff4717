import CLibGit2

/// libgit2, started once per process.
///
/// Debian's libgit2 is built on mbed TLS, and `git_libgit2_init` parses the
/// whole system CA bundle (about 140 certificates, 4 ms) on the spot, before
/// any option can say otherwise. This program never talks TLS through
/// libgit2: fetch and push run the `git` program (`GitTransport`), GitHub
/// goes through URLSession. So while libgit2 starts, that one parse is
/// skipped (`mbedtls_x509_crt_parse_file` below), leaving libgit2 with no
/// trusted certificate: should anything ever open an https remote through
/// it, verification fails closed until `GIT_OPT_SET_SSL_CERT_LOCATIONS`
/// loads them, which goes to mbed TLS as usual.
let libgit2Initialized: Bool = {
    skippingDefaultCertificates = true
    git_libgit2_init()
    skippingDefaultCertificates = false
    return true
}()

/// True only while `git_libgit2_init` runs (once, under the global's lock).
nonisolated(unsafe) private var skippingDefaultCertificates = false

#if os(Linux)
/// Takes the place of mbed TLS's function of that name for libgit2, which
/// calls it through the dynamic linker: this takes effect only in an
/// executable that exports the symbol (git-kanbots does, see
/// Package.swift); anywhere else libgit2 simply loads the bundle.
@_cdecl("mbedtls_x509_crt_parse_file")
public func mbedTLSParseCertificateFile(_ chain: UnsafeMutableRawPointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    if skippingDefaultCertificates { return 0 }
    typealias Parse = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Int32
    // RTLD_NEXT: the definition this one hides, in libmbedx509.
    guard let real = dlsym(UnsafeMutableRawPointer(bitPattern: -1), "mbedtls_x509_crt_parse_file") else {
        return -1
    }
    return unsafeBitCast(real, to: Parse.self)(chain, path)
}
#endif
