/// A TCP socket bound to 127.0.0.1: how the port allocator tells whether a
/// port is free (something listening there makes the bind fail), and how
/// its tests hold one busy.
public enum LoopbackSocket {
    /// A socket bound to 127.0.0.1:`port`, or nil when the port is taken.
    /// The caller closes it.
    public static func bound(to port: Int) -> Int32? {
        #if canImport(Darwin)
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #else
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #endif
        guard descriptor >= 0 else { return nil }
        var address = sockaddr_in()
        #if canImport(Darwin)
        address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)  // 127.0.0.1
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(descriptor)
            return nil
        }
        return descriptor
    }

    /// Whether nothing holds 127.0.0.1:`port`.
    public static func isFree(_ port: Int) -> Bool {
        guard let descriptor = bound(to: port) else { return false }
        close(descriptor)
        return true
    }
}
