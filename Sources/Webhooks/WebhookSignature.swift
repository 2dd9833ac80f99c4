import Crypto
public import Foundation

/// Signs a webhook body so the receiver can tell it came from this Siaran and was not replayed:
/// `X-Siaran-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the shared secret>`.
public enum WebhookSignature {
    public static let header = "X-Siaran-Signature"

    public static func sign(body: Data, secret: String, timestamp: Int) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Checks a signature header as a receiver would: right MAC, and not older than `tolerance`.
    public static func verify(header: String, body: Data, secret: String, now: Date = Date(), tolerance: TimeInterval = 300) -> Bool {
        let parts = Dictionary(header.split(separator: ",").compactMap { part -> (String, String)? in
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            return pieces.count == 2 ? (pieces[0], pieces[1]) : nil
        }, uniquingKeysWith: { first, _ in first })
        guard let t = parts["t"].flatMap(Int.init), abs(now.timeIntervalSince1970 - Double(t)) <= tolerance else { return false }
        let expected = sign(body: body, secret: secret, timestamp: t)
        return expected.utf8.count == header.utf8.count && zip(expected.utf8, header.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
