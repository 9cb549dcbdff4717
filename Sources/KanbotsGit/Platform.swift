// The platform (Foundation, the C library) for this module and those above it.
@_exported import KanbotsPlatform
