public import Dispatch

/// Where file writes that wait for the disk (`fsync`, `fdatasync`) run: a serial dispatch queue,
/// never Swift's cooperative pool. The pool has one thread per core (two here); a thread waiting
/// for a flush is one that the WhatsApp sessions, the pipeline and the dashboard cannot use
/// meanwhile, and with ten sessions sending, two waiting flushes stalled everything else.
public struct DiskQueue: Sendable {
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Runs `work` on the queue and returns its result; writes on one queue keep their order.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
