import Foundation
import Synchronization

/// Runs a shell command when this process ends, however it ends (return, crash, SIGKILL), or
/// earlier on `release()`.
///
/// The watchdog is `sh` reading its standard input, the read end of a pipe whose only write end
/// this process holds (close-on-exec, so no other child inherits it). The kernel closes that end
/// when this process dies; `cat` then sees end-of-file and the cleanup runs. It ignores the
/// terminal's signals, so Ctrl-C on `swift test` still leaves it to clean up. It is started with
/// `spawnChild`, so it holds nothing else of ours: it lives as long as the test run, and a pipe
/// of another test it kept open would never reach its end.
public final class Watchdog: Sendable {
    private let writeEnd: Mutex<Int32?>

    public init(cleanup: String) throws {
        let ends = try closeOnExecPipe()
        let pid: pid_t
        do {
            pid = try spawnChild("/bin/sh", ["-c", "trap '' INT TERM HUP QUIT; cat >/dev/null; \(cleanup)"],
                                 descriptors: [0: ends.read])
        } catch {
            close(ends.read)
            close(ends.write)
            throw error
        }
        close(ends.read)
        // Reaped on a thread of its own when it ends, so it leaves no zombie behind.
        Thread { _ = reapChild(pid) }.start()
        writeEnd = Mutex(ends.write)
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
