public import Foundation
import Glibc
import Synchronization

// Why children are started here and not with Foundation's `Process`:
//
// Tests run in parallel threads of one process, and every test that starts a child opens pipes
// and files at the same moments. Foundation's `Process` on Linux closes the parent's other
// descriptors in the child by listing them just before `posix_spawn`; a descriptor another
// thread opens between that list and the spawn is inherited. Seen: the PostgreSQL watchdog (a
// shell that lives as long as the test run) inherited the write end of another test's output
// pipe, so that test's `readDataToEndOfFile` never saw end-of-file and the run hung; a daemon
// inherited a temporary file a test was still writing, and the pipeline's check for files
// being written never took that test's drop.
//
// `spawnChild` asks the kernel to close everything above the descriptors it hands over
// (`posix_spawn_file_actions_addclosefrom_np`), which has no such window, and the pipes made
// here are close-on-exec from the start, so children started any other way cannot keep them.

/// A pipe whose two ends are close-on-exec and numbered 10 or above, so a child's `dup2` onto
/// 0–9 never lands on the descriptor itself (which would leave close-on-exec set on it).
public func closeOnExecPipe() throws -> (read: Int32, write: Int32) {
    var ends: [Int32] = [-1, -1]
    // pipe2 makes both ends close-on-exec from their first moment (plain pipe leaves a moment in
    // which a child started by another thread takes a copy); F_DUPFD_CLOEXEC moves them above 9.
    guard SpawnExtensions.pipeCloseOnExec(&ends) == 0 else { throw ChildProcessError("pipe2: \(String(cString: strerror(errno)))") }
    func moved(_ descriptor: Int32) -> Int32 {
        let copy = fcntl(descriptor, F_DUPFD_CLOEXEC, 10)
        close(descriptor)
        return copy
    }
    let read = moved(ends[0]), write = moved(ends[1])
    guard read >= 0, write >= 0 else {
        if read >= 0 { close(read) }
        if write >= 0 { close(write) }
        throw ChildProcessError("fcntl F_DUPFD_CLOEXEC: \(String(cString: strerror(errno)))")
    }
    return (read, write)
}

extension Pipe {
    /// A Foundation pipe made close-on-exec at once, for a child started with `Process`: the
    /// child still gets its end (`dup2` onto 0–2 clears the flag on the copy), but no other
    /// child started meanwhile keeps a copy that would hold the pipe open.
    public static func closeOnExec() -> Pipe {
        let pipe = Pipe()
        _ = fcntl(pipe.fileHandleForReading.fileDescriptor, F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipe.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
        return pipe
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Starts `executable` with exactly the descriptors in `descriptors` (the child's number → ours;
/// the child's numbers below 10) and standard input, output and error on /dev/null where not
/// given; everything else this process has open stays out of the child.
///
/// - Parameters:
///   - ownProcessGroup: the child leads a new process group, so `kill(-pid, …)` reaches what it starts.
///   - environment: the child's whole environment; this process's when nil.
public func spawnChild(_ executable: String, _ arguments: [String], descriptors: [Int32: Int32] = [:],
                       directory: String? = nil, environment: [String: String]? = nil,
                       ownProcessGroup: Bool = false) throws -> pid_t {
    precondition(descriptors.keys.allSatisfy { (0..<10).contains($0) }, "child descriptors are numbered 0-9")
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for standard: Int32 in 0...2 where descriptors[standard] == nil {
        posix_spawn_file_actions_addopen(&actions, standard, "/dev/null", standard == 0 ? O_RDONLY : O_WRONLY, 0)
    }
    for (child, ours) in descriptors.sorted(by: { $0.key < $1.key }) {
        posix_spawn_file_actions_adddup2(&actions, ours, child)
    }
    guard SpawnExtensions.closeFrom(&actions, (descriptors.keys.max() ?? 2) + 1) == 0 else {
        throw ChildProcessError("posix_spawn_file_actions_addclosefrom_np is missing (glibc 2.34 or later is needed)")
    }
    if let directory, SpawnExtensions.changeDirectory(&actions, directory) != 0 {
        throw ChildProcessError("posix_spawn_file_actions_addchdir_np is missing (glibc 2.29 or later is needed)")
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    if ownProcessGroup {
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
    }
    var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var child: pid_t = 0
    let status: Int32
    if let environment {
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        status = posix_spawn(&child, executable, &actions, &attributes, &argv, &envp)
    } else {
        status = posix_spawn(&child, executable, &actions, &attributes, &argv, environ)
    }
    guard status == 0 else { throw ChildProcessError("posix_spawn \(executable): \(String(cString: strerror(status)))") }
    return child
}

/// Waits for a child started by `spawnChild` on a thread of its own (never one of the pool's)
/// and returns its exit status, or 128 + the signal that ended it.
public func waitForChild(_ pid: pid_t) async -> Int32 {
    (try? await offThePool { reapChild(pid) }) ?? -1
}

/// Blocks this thread until the child ends; for callers already off the pool.
public func reapChild(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 {
        guard errno == EINTR else { return -1 }
    }
    // WIFEXITED / WEXITSTATUS / WTERMSIG by hand: Swift does not import the macros.
    let signal = status & 0x7f
    return signal == 0 ? (status >> 8) & 0xff : 128 + signal
}

/// The glibc functions Swift's Glibc module does not export, looked up once.
private enum SpawnExtensions {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    nonisolated(unsafe) static let closeFromFunction: CloseFrom? =
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: CloseFrom.self) }
    nonisolated(unsafe) static let changeDirectoryFunction: ChangeDirectory? =
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: ChangeDirectory.self) }

    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    nonisolated(unsafe) static let pipe2Function: Pipe2? =
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pipe2").map { unsafeBitCast($0, to: Pipe2.self) }

    /// pipe2(O_CLOEXEC), or pipe and then the flag where pipe2 is missing.
    static func pipeCloseOnExec(_ ends: inout [Int32]) -> Int32 {
        if let pipe2Function { return ends.withUnsafeMutableBufferPointer { pipe2Function($0.baseAddress!, O_CLOEXEC) } }
        guard pipe(&ends) == 0 else { return -1 }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        return 0
    }

    static func closeFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ lowest: Int32) -> Int32 {
        closeFromFunction?(actions, lowest) ?? ENOSYS
    }

    static func changeDirectory(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: String) -> Int32 {
        guard let changeDirectoryFunction else { return ENOSYS }
        return path.withCString { changeDirectoryFunction(actions, $0) }
    }
}

/// A long-lived child (a peer, a daemon) started with `spawnChild`, killed by a watchdog if this
/// process dies first, and reaped by a thread of its own the moment it ends, so `isRunning` and `waitForExit()` need no polling and no thread of
/// the pool. It leads its own process group unless told otherwise, so `kill(group: true)` also
/// reaches whatever it started.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    private struct State {
        var exitStatus: Int32?
        var waiters: [CheckedContinuation<Int32, Never>] = []
    }
    private let state = Mutex(State())
    private let ended = NSCondition()

    public init(_ executable: String, _ arguments: [String], descriptors: [Int32: Int32] = [:], directory: String? = nil,
                environment: [String: String]? = nil, ownProcessGroup: Bool = true) throws {
        pid = try spawnChild(executable, arguments, descriptors: descriptors, directory: directory,
                             environment: environment, ownProcessGroup: ownProcessGroup)
        let pid = pid
        // If this process dies first (a crash stops the whole test run), the child and what it
        // started go too; disarmed once the child has ended, so a reused pid is never touched.
        let guardian = try? Watchdog(cleanup: ownProcessGroup ? "kill -KILL -- -\(pid) 2>/dev/null; kill -KILL \(pid) 2>/dev/null"
                                                              : "kill -KILL \(pid) 2>/dev/null")
        Thread { [self] in
            let status = reapChild(pid)
            guardian?.disarm()
            let waiters = state.withLock { state in
                state.exitStatus = status
                defer { state.waiters = [] }
                return state.waiters
            }
            ended.lock()
            ended.broadcast()
            ended.unlock()
            waiters.forEach { $0.resume(returning: status) }
        }.start()
    }

    public var isRunning: Bool { state.withLock { $0.exitStatus == nil } }

    /// The exit status, or 128 + the signal that ended it; nil while it runs.
    public var exitStatus: Int32? { state.withLock { $0.exitStatus } }

    /// Sends `signal` to the child, or to its whole process group.
    public func kill(_ signal: Int32 = SIGKILL, group: Bool = false) {
        guard isRunning else { return }
        if group, Glibc.kill(-pid, signal) == 0 { return }
        _ = Glibc.kill(pid, signal)
    }

    /// Waits for the end without holding a thread.
    @discardableResult
    public func waitForExit() async -> Int32 {
        await withCheckedContinuation { continuation in
            let status = state.withLock { state -> Int32? in
                if state.exitStatus == nil { state.waiters.append(continuation) }
                return state.exitStatus
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    /// Blocks this thread until the end; only for `deinit`s and threads off the pool.
    public func waitUntilExitBlocking() {
        ended.lock()
        defer { ended.unlock() }
        while isRunning { ended.wait() }
    }
}

/// The names `Process` users know, so a test switches by changing only how it starts the child.
extension ChildProcess {
    public var processIdentifier: Int32 { pid }
    public func terminate() { kill(SIGTERM) }
    /// The exit status (128 + signal for a signal); -1 while it runs.
    public var terminationStatus: Int32 { exitStatus ?? -1 }

    /// Starts `executable` in `directory` with `environment`, its standard error appended to
    /// `standardErrorFile` (created if missing) and its standard output discarded.
    public convenience init(_ executable: URL, _ arguments: [String], directory: URL, environment: [String: String],
                            standardErrorFile: URL? = nil) throws {
        var descriptors: [Int32: Int32] = [:]
        var log: Int32 = -1
        if let standardErrorFile {
            log = open(standardErrorFile.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard log >= 0 else { throw ChildProcessError("\(standardErrorFile.path): \(String(cString: strerror(errno)))") }
            descriptors[2] = log
        }
        defer { if log >= 0 { close(log) } }
        try self.init(executable.path, arguments, descriptors: descriptors, directory: directory.path, environment: environment)
    }
}

/// Waits for a child started with `ChildProcess` (the same call as for a `Process`).
public func waitForExit(_ child: ChildProcess) async {
    await child.waitForExit()
}
