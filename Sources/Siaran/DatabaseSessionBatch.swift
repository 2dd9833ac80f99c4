import Synchronization
import Store
import WhatsApp

/// One send's unit of work on a database session storage: its writes are staged in the
/// session's records (reads see them) and committed in one transaction, fenced by the lease
/// inside it, when the send finishes the batch just before its frame goes out; then the lease is
/// checked once more by the clock, so a worker frozen during the commit writes no frame.
final class DatabaseSessionBatch: SessionStateBatch {
    let records: DatabaseSessionRecords
    private let open = Mutex(true)

    init(records: DatabaseSessionRecords) {
        self.records = records
    }

    /// Stages `writes` while the batch is open; false once it was finished (write them at once).
    func stage(_ writes: [SessionStateWrite]) -> Bool {
        open.withLock { open in
            guard open else { return false }
            records.stage(writes)
            return true
        }
    }

    func finish() async throws {
        let wasOpen = open.withLock { open in
            defer { open = false }
            return open
        }
        guard wasOpen else { return }
        try await records.commitStaged()
        try records.checkLeaseByClock()
    }
}
