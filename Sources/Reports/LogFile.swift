import Foundation
import Synchronization

/// An append-only log file rotated by size: `logs.txt` becomes `logs.1.txt`, and so on up to
/// `keep` files. Each line is written with one `write(2)` and the file is opened with
/// `O_APPEND`, so several processes (a daemon and a CLI command) can share it.
public final class LogFile: Sendable {
    public let path: String
    private let maxBytes: Int
    private let keep: Int
    private let state: Mutex<Int32>

    public init(path: String, maxBytes: Int, keep: Int) throws {
        self.path = path
        self.maxBytes = maxBytes
        self.keep = keep
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let fd = Self.open(path)
        guard fd >= 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        self.state = Mutex(fd)
    }

    deinit {
        state.withLock { fd in _ = close(fd) }
    }

    /// Appends one line (a newline is added).
    public func append(line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        state.withLock { fd in
            if maxBytes > 0, lseek(fd, 0, SEEK_END) + off_t(bytes.count) > off_t(maxBytes) {
                rotate(&fd)
            }
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n <= 0 {
                        if n < 0 && errno == EINTR { continue }
                        return
                    }
                    offset += n
                }
            }
        }
    }

    private func rotate(_ fd: inout Int32) {
        close(fd)
        let base = (path as NSString).deletingPathExtension
        let ext = (path as NSString).pathExtension
        func numbered(_ n: Int) -> String { ext.isEmpty ? "\(base).\(n)" : "\(base).\(n).\(ext)" }
        if keep > 0 {
            unlink(numbered(keep))
            if keep > 1 {
                for n in stride(from: keep - 1, through: 1, by: -1) {
                    rename(numbered(n), numbered(n + 1))
                }
            }
            rename(path, numbered(1))
        } else {
            unlink(path)
        }
        fd = Self.open(path)
    }

    private static func open(_ path: String) -> Int32 {
        Foundation.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    }
}
