/// The state changes of one send, written together. Everything a send changes before its message
/// frame goes out — the number check and device lists it learned, the Signal session and peer
/// identity of every device it encrypted for, the sent message kept for retry receipts — reaches
/// the storage in one transaction just before the frame, instead of one commit per record: on
/// PostgreSQL each commit is a round trip and a flush to disk.
///
/// A batch covers the task that opened it (`SessionStateBatchScope.current`); writes made
/// elsewhere meanwhile, such as the ratchet step of an incoming message, are written at once as
/// before. Reads through the storage see what an open batch holds.
public protocol SessionStateBatch: AnyObject, Sendable {
    /// Writes what the batch holds, all in one transaction, and ends the batch: later writes go
    /// straight to the storage. When it throws, the frame that depends on it must not go out;
    /// nothing of the batch was written, except when a cluster worker's lease ran out by its clock
    /// after the commit (the state is then the next holder's, which sends the message again under
    /// its id). Ending a batch twice does nothing.
    func finish() async throws
}

/// The batch the current task writes into, if any (set by `WhatsAppSession.send`).
public enum SessionStateBatchScope {
    @TaskLocal public static var current: (any SessionStateBatch)?
}
