public import Store

/// accepted → server ack → delivered → read → replied: how far a campaign's messages got, each step
/// as a count and a share of the accepted messages. A step counts every message that got at least
/// that far (a read message was also delivered and acknowledged), except replies: a contact who
/// turned read receipts off can reply to a message never marked read.
public struct DeliveryFunnel: Sendable, Equatable {
    public enum Step: String, Sendable, CaseIterable {
        /// Messages made for accepted contacts (every message of the campaign).
        case accepted
        /// The WhatsApp server took the message (state sent, delivered or read).
        case serverAck = "server_ack"
        case delivered
        case read
        case replied
    }

    public var accepted, serverAck, delivered, read, replied: Int

    public init(counts: MessageCounts) {
        accepted = counts.total
        serverAck = counts.sent + counts.delivered + counts.read
        delivered = counts.delivered + counts.read
        read = counts.read
        replied = counts.replied
    }

    public func count(_ step: Step) -> Int {
        switch step {
        case .accepted: accepted
        case .serverAck: serverAck
        case .delivered: delivered
        case .read: read
        case .replied: replied
        }
    }

    /// The step's count as a fraction of the accepted messages (0 when none were accepted).
    public func share(_ step: Step) -> Double { CampaignFigures.rate(count(step), accepted) }
}

extension CampaignOverview {
    public var funnel: DeliveryFunnel { DeliveryFunnel(counts: counts) }
}
