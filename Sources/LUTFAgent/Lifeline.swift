import LUTFCore
import NIOCore
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// A service that ends when this process's standard input does: the lifeline of a child whose
/// parent holds the other end of the pipe (``ProcessSpec/lifeline``). Run in a `ServiceGroup`
/// that shuts down when it ends, it takes the process down with its parent, however the parent
/// ended (kill -9 included).
///
/// Standard input is watched by the event loop, not by a thread blocked in `read`, so a graceful
/// shutdown (SIGTERM) ends the watch at once instead of waiting for a parent that is still there.
public struct Lifeline: Service {
    public init() {}

    public func run() async throws {
        guard Self.canWatchInput else {
            // A file or /dev/null: it ends as soon as it is read through.
            try await NIOThreadPool.singleton.runIfActive {
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = read(STDIN_FILENO, &buffer, buffer.count)
                    if count == 0 || (count < 0 && errno != EINTR) { return }
                }
            }
            return
        }
        let input: NIOAsyncChannel<ByteBuffer, Never>
        do {
            input = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .takingOwnershipOfDescriptor(input: STDIN_FILENO) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, Never>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw LUTFError(.io, "--lifeline: cannot watch standard input: \(error)")
        }
        // Shutting down for another reason ends the watch; that is not an error.
        try? await cancelWhenGracefulShutdown {
            try await input.executeThenClose { inbound in
                for try await _ in inbound {}
            }
        }
    }

    /// Whether standard input is something the event loop can watch (epoll refuses files).
    private static var canWatchInput: Bool {
        var info = stat()
        guard fstat(STDIN_FILENO, &info) == 0 else { return false }
        let kind = info.st_mode & S_IFMT
        return kind == S_IFIFO || kind == S_IFSOCK || isatty(STDIN_FILENO) == 1
    }
}
