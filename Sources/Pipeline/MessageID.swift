import Foundation

/// WhatsApp-style message ids (`3EB0` and 18 upper-case hex digits, as WhatsApp Web and
/// whatsmeow generate them), chosen once per message before its first attempt.
public enum MessageID {
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = Array("3EB0".utf8)
        bytes.reserveCapacity(22)
        // Written digit by digit: `String(format:)` cost more than the rest of rendering a message.
        for _ in 0..<9 {
            let byte = UInt8.random(in: 0...255, using: &generator)
            bytes.append(hexDigits[Int(byte >> 4)])
            bytes.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
