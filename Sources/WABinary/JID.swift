/// A WhatsApp address: `user@server`, optionally with a device (`user:device@server`).
///
/// Phone-number users live on `s.whatsapp.net`, LID users on `lid`, groups on `g.us`. Device 0
/// is the primary phone; linked companions (like Siaran) have other device numbers.
public struct JID: Sendable, Hashable, CustomStringConvertible {
    public var user: String
    public var server: String
    /// Device number; 0 is the primary device and is not written in the string form.
    public var device: UInt16
    /// The legacy "agent" byte of AD-JIDs on `s.whatsapp.net` (kept when decoding, normally 0).
    public var agent: UInt8
    /// Only for `interop` JIDs.
    public var integrator: UInt16

    public init(user: String, server: String, device: UInt16 = 0, agent: UInt8 = 0, integrator: UInt16 = 0) {
        self.user = user
        self.server = server
        self.device = device
        self.agent = agent
        self.integrator = integrator
    }

    // MARK: Servers

    public enum Server {
        public static let user = "s.whatsapp.net"
        public static let lid = "lid"
        public static let group = "g.us"
        public static let legacyUser = "c.us"
        public static let broadcast = "broadcast"
        public static let newsletter = "newsletter"
        public static let bot = "bot"
        public static let hosted = "hosted"
        public static let hostedLID = "hosted.lid"
        public static let messenger = "msgr"
        public static let interop = "interop"
    }

    /// The server itself (`s.whatsapp.net`), the address of most `<iq>` requests.
    public static let serverJID = JID(user: "", server: Server.user)
    /// `status@broadcast`, where status updates go.
    public static let statusBroadcast = JID(user: "status", server: Server.broadcast)

    /// The JID of a phone number in international form without `+` (`6281234567890`).
    /// Returns nil when the text is not 1–20 ASCII digits.
    public init?(phoneNumber: String) {
        guard (1...20).contains(phoneNumber.utf8.count), phoneNumber.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        self.init(user: phoneNumber, server: Server.user)
    }

    /// Parses `user@server`, `user:device@server`, `user.agent:device@server`, or a bare server.
    public init?(parsing text: String) {
        guard let at = text.lastIndex(of: "@") else {
            guard !text.isEmpty, !text.contains(":") else { return nil }
            self.init(user: "", server: text)
            return
        }
        let server = String(text[text.index(after: at)...])
        var user = String(text[..<at])
        guard !server.isEmpty, !server.contains(":") else { return nil }
        var device: UInt16 = 0
        var agent: UInt8 = 0
        if let colon = user.lastIndex(of: ":") {
            guard let parsed = UInt16(user[user.index(after: colon)...]) else { return nil }
            device = parsed
            user = String(user[..<colon])
        }
        if server == Server.user || server == Server.lid || server == Server.hosted || server == Server.hostedLID,
           let dot = user.lastIndex(of: "."), let parsed = UInt8(user[user.index(after: dot)...]) {
            agent = parsed
            user = String(user[..<dot])
        }
        self.init(user: user, server: server, device: device, agent: agent)
    }

    public var description: String {
        if user.isEmpty { return server }
        var text = user
        if agent > 0 { text += ".\(agent)" }
        if device > 0 || agent > 0 { text += ":\(device)" }
        return text + "@" + server
    }

    /// The same user without device or agent (`62812…@s.whatsapp.net`).
    public var userJID: JID { JID(user: user, server: server) }

    public var isGroup: Bool { server == Server.group }
    public var isLID: Bool { server == Server.lid || server == Server.hostedLID }
    /// A phone-number user on `s.whatsapp.net`. LID users are not phone numbers: never read a
    /// LID's digits as a phone number.
    public var isPhoneNumberUser: Bool { server == Server.user }
}
