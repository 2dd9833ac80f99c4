import Foundation
import Glibc
import Synchronization

/// A headless Chromium started for one test, speaking the DevTools protocol over a pipe
/// (`--remote-debugging-pipe`: it reads commands on fd 3 and writes answers on fd 4, each JSON
/// message ending in a NUL byte). No port to discover, no WebSocket, nothing another process
/// on the machine can connect to.
///
/// Chromium runs in its own process group so `kill()` takes its renderer, GPU and zygote
/// processes with it; the temporary profile folder is removed there too.
final class ChromiumProcess: Sendable {
    /// The first Chromium found in the usual Debian and Chrome places.
    static let executable: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    let pid: pid_t
    /// Where we write commands (Chromium's fd 3).
    let commands: Int32
    /// Where Chromium's answers and events arrive (its fd 4).
    let answers: Int32
    /// The temporary `--user-data-dir`; its path also names our processes in `ps`.
    let profile: String
    private let killed = Mutex(false)

    /// Starts Chromium on `about:blank`. Its stderr goes to `<profile>/chromium.log`.
    init(executable: String) throws {
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-chromium-\(UUID())").path
        try FileManager.default.createDirectory(atPath: profile, withIntermediateDirectories: true)
        let toChromium = try Self.pipe(), fromChromium = try Self.pipe()
        let arguments = [
            executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
            "--user-data-dir=\(profile)", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-sync", "--disable-component-update", "--hide-scrollbars",
            "--mute-audio", "--password-store=basic", "--use-mock-keychain", "--font-render-hinting=none", "about:blank",
        ]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "\(profile)/chromium.log", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // dup2 clears close-on-exec on the copies.
        posix_spawn_file_actions_adddup2(&actions, toChromium.read, 3)
        posix_spawn_file_actions_adddup2(&actions, fromChromium.write, 4)
        // Every other descriptor is closed in the child, close-on-exec or not: a file another test
        // had open for writing at this moment (a temporary file of an atomic write is made without
        // close-on-exec) stayed open in Chromium for its whole life, and the pipeline's check for
        // files still being written then never took that test's drop.
        // (glibc 2.34+ has it; Swift's Glibc module does not export it, so it is looked up.)
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 5)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, &argv, environ)
        close(toChromium.read)
        close(fromChromium.write)
        guard status == 0 else {
            close(toChromium.write)
            close(fromChromium.read)
            try? FileManager.default.removeItem(atPath: profile)
            throw DevToolsError(.launchFailed("posix_spawn \(executable): \(String(cString: strerror(status)))"))
        }
        pid = child
        commands = toChromium.write
        answers = fromChromium.read
    }

    /// A pipe whose ends are close-on-exec (other children must not hold them) and numbered
    /// above 4, so the child's dup2 onto 3 and 4 never lands on itself (which would keep
    /// close-on-exec set).
    private static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { throw DevToolsError(.launchFailed("pipe: \(String(cString: strerror(errno)))")) }
        func high(_ fd: Int32) -> Int32 {
            let copy = fcntl(fd, F_DUPFD_CLOEXEC, 10)
            close(fd)
            return copy
        }
        return (high(fds[0]), high(fds[1]))
    }

    /// Chromium's stderr so far (for failure messages).
    var log: String { (try? String(contentsOfFile: "\(profile)/chromium.log", encoding: .utf8)) ?? "" }

    /// SIGKILLs the whole process group, reaps Chromium, closes our command pipe and removes the
    /// profile. Safe to call more than once. The answers pipe then reaches its end, and its reader
    /// (`DevToolsConnection`) closes it.
    func kill() {
        guard killed.withLock({ let first = !$0; $0 = true; return first }) else { return }
        _ = Glibc.kill(-pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        close(commands)
        // Helpers of the group may still be exiting and writing into the profile: retry briefly.
        for _ in 0..<20 {
            try? FileManager.default.removeItem(atPath: profile)
            if !FileManager.default.fileExists(atPath: profile) { break }
            usleep(50_000)
        }
    }
}
