import Foundation
import Glibc
import Synchronization

/// The DevTools protocol over Chromium's pipe: numbered commands, their answers matched by id,
/// and events kept in order for the tests to inspect. Messages travel as `Data` between the
/// reader thread and the waiting tasks; callers parse them.
final class DevToolsConnection: Sendable {
    /// One event: its method, the session it came from (nil for the browser) and its params JSON.
    struct Event: Sendable {
        var method: String
        var session: String?
        var params: Data
    }

    private struct State {
        var nextID = 1
        var waiting: [Int: CheckedContinuation<Data, any Error>] = [:]
        var events: [Event] = []
        var closed = false
    }

    private let process: ChromiumProcess
    private let state = Mutex(State())
    private let writeLock = Mutex(())

    init(process: ChromiumProcess) {
        self.process = process
        let reader = Thread { [self] in readLoop() }
        reader.name = "chromium-devtools-reader"
        reader.start()
    }

    /// Sends a command and returns its `result` object. A protocol error, Chromium exiting or
    /// no answer within `timeout` throws a `DevToolsError`.
    func send(_ method: String, _ params: [String: Any] = [:], session: String? = nil,
              timeout: Duration = .seconds(90)) async throws -> [String: Any] {
        let id = state.withLock { state -> Int in
            defer { state.nextID += 1 }
            return state.nextID
        }
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        let bytes = try JSONSerialization.data(withJSONObject: message) + Data([0])
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.finish(id, with: .failure(DevToolsError(.timedOut("\(method) got no answer within \(timeout)"))))
        }
        defer { timer.cancel() }
        let answer = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, any Error>) in
            let closed = state.withLock { state -> Bool in
                if state.closed { return true }
                state.waiting[id] = continuation
                return false
            }
            if closed {
                continuation.resume(throwing: DevToolsError(.closed(process.log)))
            } else if !write(bytes) {
                finish(id, with: .failure(DevToolsError(.closed(process.log))))
            }
        }
        let object = try JSONSerialization.jsonObject(with: answer) as? [String: Any] ?? [:]
        if let error = object["error"] as? [String: Any] {
            throw DevToolsError(.protocolError(method: method, message: error["message"] as? String ?? "\(error)"))
        }
        return object["result"] as? [String: Any] ?? [:]
    }

    /// Events received so far with this method (all when nil), oldest first.
    func events(_ method: String? = nil) -> [Event] {
        state.withLock { state in method.map { name in state.events.filter { $0.method == name } } ?? state.events }
    }

    private func write(_ bytes: Data) -> Bool {
        writeLock.withLock { _ in
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = Glibc.write(process.commands, raw.baseAddress! + offset, raw.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { return false }
                    offset += written
                }
                return true
            }
        }
    }

    private func finish(_ id: Int, with result: Result<Data, any Error>) {
        let continuation = state.withLock { $0.waiting.removeValue(forKey: id) }
        continuation?.resume(with: result)
    }

    /// Reads NUL-terminated messages until Chromium closes its end, then fails whatever still waits.
    private func readLoop() {
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(process.answers, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            buffer.append(contentsOf: chunk[0..<count])
            while let end = buffer.firstIndex(of: 0) {
                let message = Data(buffer[buffer.startIndex..<end])
                buffer = Data(buffer[(end + 1)...])
                dispatch(message)
            }
        }
        close(process.answers)
        let waiting = state.withLock { state in
            state.closed = true
            defer { state.waiting = [:] }
            return state.waiting
        }
        for continuation in waiting.values { continuation.resume(throwing: DevToolsError(.closed(process.log))) }
    }

    private func dispatch(_ message: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: message) as? [String: Any] else { return }
        if let id = object["id"] as? Int {
            finish(id, with: .success(message))
        } else if let method = object["method"] as? String {
            let params = (try? JSONSerialization.data(withJSONObject: object["params"] ?? [:])) ?? Data("{}".utf8)
            let event = Event(method: method, session: object["sessionId"] as? String, params: params)
            state.withLock { $0.events.append(event) }
        }
    }
}
