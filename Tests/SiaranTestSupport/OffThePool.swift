public import Foundation

// Swift's cooperative thread pool has as many threads as the machine has cores: two on CI.
// Tests run in parallel on it, so a test that blocks one of those threads (waiting for a child
// process, reading its pipe, sleeping) halves the speed of every other test, and two such tests
// stop them all — simulator handshakes then time out for no reason of their own. Blocking work
// in tests therefore goes through these helpers, which run it on a thread of its own.

/// Runs `body` on a new thread and resumes with its result, leaving the pool's threads free.
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Waits for a child process to end without blocking a thread of the pool (or any thread).
///
/// Not `waitUntilExit()` on a thread of its own: Foundation's version polls the run loop of the
/// calling thread, and on any thread but the one that started the process that run loop has no
/// sources, so the loop spun at 100% of a core for as long as the child lived (seen: 11 minutes
/// on a two-core machine, while a test waited for a daemon). The termination handler is called
/// from Foundation's own process-watching thread instead.
public func waitForExit(_ process: Process) async {
    nonisolated(unsafe) let process = process
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let resume = ResumeOnce(continuation)
        process.terminationHandler = { _ in resume.resume() }
        // Ended before the handler was set: Foundation clears isRunning before it reads the handler.
        if !process.isRunning { resume.resume() }
    }
}

/// Resumes a continuation once, whoever calls first.
private final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?

    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }

    func resume() {
        lock.lock()
        let continuation = self.continuation
        self.continuation = nil
        lock.unlock()
        continuation?.resume()
    }
}

/// What a finished program printed, and how it ended.
public struct ProgramOutput: Sendable {
    public var status: Int32
    public var output: Data
    public var error: Data
    public var outputText: String { String(decoding: output, as: UTF8.self) }
    public var errorText: String { String(decoding: error, as: UTF8.self) }
}

/// Runs a program to its end on threads of its own and returns what it printed. Standard output
/// and standard error are read at the same time, so a chatty program cannot fill one pipe and
/// wait for ever while we read the other. The program gets nothing else of ours (`spawnChild`),
/// so a daemon it leaves running (`pg_ctl start`) cannot keep us waiting either, as long as the
/// daemon's own output goes elsewhere.
public func runProgram(_ executable: URL, _ arguments: [String], directory: URL? = nil,
                       environment: [String: String]? = nil) async throws -> ProgramOutput {
    try await offThePool {
        let output = try closeOnExecPipe()
        let error: (read: Int32, write: Int32)
        do { error = try closeOnExecPipe() } catch {
            close(output.read); close(output.write)
            throw error
        }
        let pid: pid_t
        do {
            pid = try spawnChild(executable.path, arguments, descriptors: [1: output.write, 2: error.write],
                                 directory: directory?.path, environment: environment)
        } catch let spawnError {
            [output.read, output.write, error.read, error.write].forEach { close($0) }
            throw spawnError
        }
        close(output.write)
        close(error.write)
        let errorReader = PipeDrain(FileHandle(fileDescriptor: error.read, closeOnDealloc: true))
        let outputData = FileHandle(fileDescriptor: output.read, closeOnDealloc: true).readDataToEndOfFile()
        let errorData = errorReader.wait()
        return ProgramOutput(status: reapChild(pid), output: outputData, error: errorData)
    }
}

/// Reads a pipe to its end on a thread of its own.
private final class PipeDrain: @unchecked Sendable {
    private let done = NSCondition()
    private var data: Data?

    init(_ handle: FileHandle) {
        nonisolated(unsafe) let handle = handle
        Thread { [self] in
            let read = handle.readDataToEndOfFile()
            done.lock()
            data = read
            done.signal()
            done.unlock()
        }.start()
    }

    func wait() -> Data {
        done.lock()
        defer { done.unlock() }
        while data == nil { done.wait() }
        return data ?? Data()
    }
}
