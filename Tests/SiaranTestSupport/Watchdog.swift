import Foundation
import Synchronization

/// Runs a shell command when this process ends, however it ends (return, crash, SIGKILL), or
/// earlier on `release()`.
///
/// The watchdog is `sh` reading a line from its standard input, the read end of a pipe whose only write end
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
            // A line "disarm" ends it without the cleanup; end-of-file (this process gone, or
            // `release()`) runs it.
            pid = try spawnChild("/bin/sh", ["-c", "trap '' INT TERM HUP QUIT; read -r word; [ \"$word\" = disarm ] || { \(cleanup); }"],
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

    /// Ends the watchdog without running the cleanup (what it guarded ended by itself).
    public func disarm() {
        let descriptor = writeEnd.withLock { end in
            defer { end = nil }
            return end
        }
        guard let descriptor else { return }
        _ = "disarm\n".withCString { write(descriptor, $0, 7) }
        close(descriptor)
    }

    deinit { release() }
}
