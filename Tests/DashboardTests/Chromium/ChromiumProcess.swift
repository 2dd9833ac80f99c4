import Foundation
import Glibc
import SiaranTestSupport
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
        let toChromium = try closeOnExecPipe(), fromChromium = try closeOnExecPipe()
        let log = open("\(profile)/chromium.log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let arguments = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
            "--user-data-dir=\(profile)", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-sync", "--disable-component-update", "--hide-scrollbars",
            "--mute-audio", "--password-store=basic", "--use-mock-keychain", "--font-render-hinting=none", "about:blank",
        ]
        // Nothing else of ours reaches Chromium (see spawnChild): a temporary file another test
        // had open for writing once stayed open in Chromium for its whole life, and the pipeline's
        // check for files still being written then never took that test's drop.
        var descriptors: [Int32: Int32] = [3: toChromium.read, 4: fromChromium.write]
        if log >= 0 { descriptors[2] = log }
        let spawned = Result { try spawnChild(executable, arguments, descriptors: descriptors, ownProcessGroup: true) }
        close(toChromium.read)
        close(fromChromium.write)
        if log >= 0 { close(log) }
        switch spawned {
        case .success(let child):
            pid = child
        case .failure(let error):
            close(toChromium.write)
            close(fromChromium.read)
            try? FileManager.default.removeItem(atPath: profile)
            throw DevToolsError(.launchFailed("\(error)"))
        }
        commands = toChromium.write
        answers = fromChromium.read
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
