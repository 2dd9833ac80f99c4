internal import CSiaranInotify
import Foundation
import Synchronization

/// A file event under a watched folder.
public struct FileEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A file was closed after writing, or moved in: the moment a drop may be complete.
        case written
        case created
        case removed
        /// The kernel dropped events (queue overflow); the caller should rescan.
        case overflow
    }

    public var kind: Kind
    /// Full path of the file or folder the event is about.
    public var path: String
}

/// Watches a folder tree with inotify through libinotifytools and delivers events as an
/// `AsyncStream`. New sub-folders are watched as they appear.
///
/// libinotifytools keeps its state in globals, so only one watcher can be active in a process
/// at a time; a second `start` waits for the first to stop. The daemon needs only one.
public final class InotifyWatcher: Sendable {
    public enum WatchError: Error, CustomStringConvertible {
        case initialisationFailed(errno: Int32)
        case cannotWatch(path: String, errno: Int32)

        public var description: String {
            switch self {
            case .initialisationFailed(let e): "cannot start inotify: \(String(cString: strerror(e)))"
            case .cannotWatch(let path, let e): "cannot watch \(path): \(String(cString: strerror(e)))"
            }
        }
    }

    private static let processWide = Mutex(())
    private let root: String
    private let stopRequested = Atomic<Bool>(false)

    public init(root: String) {
        self.root = root
    }

    /// Stops the event loop; the stream finishes within about a second.
    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
    }

    /// Starts watching on a dedicated thread (inotify reads block) and returns the events.
    public func events() throws -> AsyncStream<FileEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: FileEvent.self, bufferingPolicy: .bufferingNewest(10_000))
        let ready = DispatchSemaphore(value: 0)
        let startError = Mutex<WatchError?>(nil)
        let root = self.root
        let thread = Thread { [self] in
            Self.processWide.withLock { _ in
                guard inotifytools_initialize() != 0 else {
                    startError.withLock { $0 = .initialisationFailed(errno: errno) }
                    ready.signal()
                    return
                }
                defer { inotifytools_cleanup() }
                let watchMask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM)
                guard inotifytools_watch_recursively(root, Int32(bitPattern: watchMask)) != 0 else {
                    startError.withLock { $0 = .cannotWatch(path: root, errno: inotifytools_error()) }
                    ready.signal()
                    return
                }
                ready.signal()
                while !stopRequested.load(ordering: .relaxed) {
                    guard let event = inotifytools_next_event(1) else { continue }
                    let mask = UInt32(bitPattern: Int32(event.pointee.mask))
                    if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                        continuation.yield(FileEvent(kind: .overflow, path: root))
                        continue
                    }
                    let directory = inotifytools_filename_from_wd(event.pointee.wd).map { String(cString: $0) } ?? root + "/"
                    let name = event.pointee.len > 0 ? Self.name(of: event) : ""
                    let path = directory + name
                    let isDirectory = mask & UInt32(IN_ISDIR) != 0
                    if isDirectory && mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 {
                        // Watch folders that appear after start (campaign folders).
                        _ = inotifytools_watch_recursively(path, Int32(bitPattern: watchMask))
                    }
                    let kind: FileEvent.Kind
                    if mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO) != 0 { kind = .written }
                    else if mask & UInt32(IN_CREATE) != 0 { kind = .created }
                    else { kind = .removed }
                    continuation.yield(FileEvent(kind: kind, path: path))
                }
            }
            continuation.finish()
        }
        thread.name = "siaran-inotify"
        thread.start()
        ready.wait()
        if let error = startError.withLock({ $0 }) {
            throw error
        }
        continuation.onTermination = { [weak self] _ in self?.stop() }
        return stream
    }

    private static func name(of event: UnsafeMutablePointer<inotify_event>) -> String {
        // `name` is a flexible array member: read it as a C string right after the header.
        let raw = UnsafeMutableRawPointer(event).advanced(by: MemoryLayout<inotify_event>.size)
        return String(cString: raw.assumingMemoryBound(to: CChar.self))
    }
}
