import Foundation

/// WhatsApp-style message ids (`3EB0` and 18 upper-case hex digits, as WhatsApp Web and
/// whatsmeow generate them), chosen once per message before its first attempt.
public enum MessageID {
    public static func generate() -> String {
        var id = "3EB0"
        for _ in 0..<9 { id += String(format: "%02X", UInt8.random(in: 0...255)) }
        return id
    }
}
