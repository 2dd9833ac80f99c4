/// Tag bytes of WhatsApp's binary XML (dictionary version 3), as whatsmeow and Baileys define them.
enum BinaryTag {
    static let listEmpty: UInt8 = 0
    static let dictionary0: UInt8 = 236
    static let dictionary3: UInt8 = 239
    static let interopJID: UInt8 = 245
    static let fbJID: UInt8 = 246
    static let adJID: UInt8 = 247
    static let list8: UInt8 = 248
    static let list16: UInt8 = 249
    static let jidPair: UInt8 = 250
    static let hex8: UInt8 = 251
    static let binary8: UInt8 = 252
    static let binary20: UInt8 = 253
    static let binary32: UInt8 = 254
    static let nibble8: UInt8 = 255
    /// Longest string written as packed nibbles or hex.
    static let packedMax = 127

    /// AD_JID domain byte for each server; other decoded values mean `s.whatsapp.net` with an agent.
    static func domain(of server: String) -> UInt8 {
        switch server {
        case JID.Server.lid: 1
        case JID.Server.hosted: 128
        case JID.Server.hostedLID: 129
        default: 0
        }
    }
}
