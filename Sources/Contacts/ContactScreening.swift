/// What ``ContactScreen`` decided about one row.
public enum ContactScreening: Sendable, Hashable {
    case accepted(AcceptedContact)
    case rejected(RejectedRow)
}
