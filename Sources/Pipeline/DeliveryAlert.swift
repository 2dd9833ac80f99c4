public import Foundation
public import Store

/// The sign of a silently restricted number: many messages WhatsApp's server acknowledged for a
/// session that no phone confirmed. A session is alerted when, of the messages the server took
/// from it between `lookback` and the alert age (`reports.delivery_alert_hours`) ago, at least
/// `minimumStuck` and at least `minimumShare` of them are still at "sent". Below that a few
/// switched-off phones or lost receipts are normal; above it, delivery has stopped for a large part
/// of the audience, which is how a restriction WhatsApp does not announce looks.
public struct DeliveryAlert: Sendable, Equatable {
    public static let minimumStuck = 20
    public static let minimumShare = 0.3
    /// How far before the alert age messages are looked at: recent enough to be about the number's
    /// present state, long enough to hold a day's sending.
    public static let lookback: TimeInterval = 72 * 3600

    public var session: String
    public var acknowledged: Int
    public var stuck: Int
    public var hours: Int
    /// The period whose acknowledged messages were counted: from `lookback` before the alert age to it.
    public var from: Date
    public var until: Date

    public var share: Double { acknowledged == 0 ? 0 : Double(stuck) / Double(acknowledged) }

    /// The sessions past the threshold, in session order.
    public static func alerts(_ health: [SessionDeliveryHealth], hours: Int, from: Date, until: Date) -> [DeliveryAlert] {
        health.filter { $0.stuck >= minimumStuck && Double($0.stuck) >= minimumShare * Double($0.acknowledged) }
            .map { DeliveryAlert(session: $0.session, acknowledged: $0.acknowledged, stuck: $0.stuck, hours: hours, from: from, until: until) }
    }

    var percent: Int { Int((share * 100).rounded()) }

    /// For operators and the log; `time` writes a time as staff read it.
    public func english(time: (Date) -> String) -> String {
        "Delivery alert: \(stuck) of the \(acknowledged) messages (\(percent)%) WhatsApp's server took from session \(session) between \(time(from)) and \(time(until)) "
            + "have had no delivery receipt for over \(hours) hours. WhatsApp may be restricting this number without saying so: pause its campaigns, "
            + "let it rest a few days and check the number in WhatsApp on the phone. Each campaign's stuck-at-sent.csv lists the messages."
    }

    /// For staff (the notice says both).
    public func indonesian(time: (Date) -> String) -> String {
        "Peringatan pengiriman: \(stuck) dari \(acknowledged) pesan (\(percent)%) yang diterima server WhatsApp dari sesi \(session) antara \(time(from)) dan \(time(until)) "
            + "belum sampai ke ponsel setelah lebih dari \(hours) jam. WhatsApp mungkin diam-diam membatasi nomor ini: jeda kampanyenya, "
            + "istirahatkan nomornya beberapa hari dan periksa di WhatsApp pada ponsel. Daftar pesannya ada di stuck-at-sent.csv setiap kampanye."
    }
}
