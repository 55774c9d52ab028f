import LUTFCore
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// A service that ends when this process's standard input does: the lifeline of a child whose
/// parent holds the other end of the pipe (``ProcessSpec/lifeline``). Run in a `ServiceGroup`
/// that shuts down when it ends, it takes the process down with its parent, however the parent
/// ended (kill -9 included).
public struct Lifeline: Service {
    public init() {}

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await NIOThreadPool.singleton.runIfActive {
                var byte: UInt8 = 0
                while true {
                    let count = read(0, &byte, 1)
                    if count == 0 || (count < 0 && errno != EINTR) { return }
                }
            }
        }
    }
}
