import Foundation
import Synchronization

/// Runs a shell command when this process ends, however it ends (return, crash, SIGKILL), or
/// earlier on `release()`.
///
/// The watchdog is `sh` reading its standard input, the read end of a pipe whose only write end
/// this process holds (close-on-exec, so no other child inherits it). The kernel closes that end
/// when this process dies; `cat` then sees end-of-file and the cleanup runs. It ignores the
/// terminal's signals, so Ctrl-C on `swift test` still leaves it to clean up.
public final class Watchdog: Sendable {
    private let writeEnd: Mutex<Int32?>

    public init(cleanup: String) throws {
        var ends: [Int32] = [-1, -1]
        // (pipe2 with O_CLOEXEC is not in Swift's Glibc module; the moment between the two calls
        // only matters if another thread starts a child in it.)
        guard pipe(&ends) == 0, fcntl(ends[1], F_SETFD, FD_CLOEXEC) == 0, fcntl(ends[0], F_SETFD, FD_CLOEXEC) == 0 else {
            throw PostgresServer.ServerError(message: "pipe: \(String(cString: strerror(errno)))")
        }
        let readEnd = FileHandle(fileDescriptor: ends[0], closeOnDealloc: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "trap '' INT TERM HUP QUIT; cat >/dev/null; \(cleanup)"]
        process.standardInput = readEnd
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            close(ends[1])
            throw error
        }
        try? readEnd.close()
        writeEnd = Mutex(ends[1])
    }

    /// Runs the cleanup now (in the background; it takes well under a second).
    public func release() {
        let descriptor = writeEnd.withLock { end in
            defer { end = nil }
            return end
        }
        if let descriptor { close(descriptor) }
    }

    deinit { release() }
}
