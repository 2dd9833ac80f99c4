import Foundation

/// Frames from a WebSocket: reassembles WebSocket messages into WhatsApp frames and hands them
/// out one at a time, to one waiting reader at a time.
actor FrameReader {
    private var codec: FrameCodec
    private var frames: [Data] = []
    private var closed = false
    private var failure: NoiseError?
    private var waiter: (id: Int, continuation: CheckedContinuation<Data?, any Error>)?
    private var lastWaiterID = 0

    init(connection: WebSocketConnection, expectsHeader: Bool) {
        codec = FrameCodec(expectsHeader: expectsHeader)
        let messages = connection.messages
        Task { [weak self] in
            for await message in messages {
                guard let self else { return }
                await self.receive(message)
            }
            await self?.finish()
        }
    }

    private func receive(_ message: Data) {
        guard failure == nil else { return }
        do {
            frames += try codec.append(message)
        } catch {
            failure = error
        }
        deliver()
    }

    private func finish() {
        closed = true
        deliver()
    }

    private func deliver() {
        guard let waiter else { return }
        if let failure {
            self.waiter = nil
            waiter.continuation.resume(throwing: failure)
        } else if !frames.isEmpty {
            self.waiter = nil
            waiter.continuation.resume(returning: frames.removeFirst())
        } else if closed {
            self.waiter = nil
            waiter.continuation.resume(returning: nil)
        }
    }

    /// The next frame, nil once the connection closed; throws `NoiseError.timedOut` after
    /// `timeout` when one is given, and `CancellationError` when the calling task is cancelled.
    func next(timeout: Duration? = nil) async throws -> Data? {
        if let failure { throw failure }
        if !frames.isEmpty { return frames.removeFirst() }
        if closed { return nil }
        guard waiter == nil else { throw NoiseError(.concurrentReceive) }
        lastWaiterID += 1
        let id = lastWaiterID
        let timer = timeout.map { timeout in
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled { await self?.end(id, with: NoiseError(.timedOut("no frame within \(timeout)"))) }
            }
        }
        defer { timer?.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiter = (id, continuation)
                }
            }
        } onCancel: {
            Task { [weak self] in await self?.end(id, with: CancellationError()) }
        }
    }

    /// Ends the wait `id` with `error`, if that wait is still the current one.
    private func end(_ id: Int, with error: any Error) {
        guard let waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume(throwing: error)
    }
}
