import Testing
import WABinary

@Suite("JIDs")
struct JIDTests {
    @Test("string forms parse and print back", arguments: [
        "6281234567890@s.whatsapp.net", "6281234567890:12@s.whatsapp.net", "6281234567890.1:2@s.whatsapp.net",
        "123456789012345@lid", "123456789012345:4@lid", "120363012345678901@g.us", "status@broadcast",
        "s.whatsapp.net", "12345@newsletter",
    ])
    func roundTrip(text: String) throws {
        #expect(try #require(JID(parsing: text)).description == text)
    }

    @Test("parts are read from the AD form")
    func parts() throws {
        let jid = try #require(JID(parsing: "6281234567890.1:2@s.whatsapp.net"))
        #expect(jid.user == "6281234567890" && jid.agent == 1 && jid.device == 2 && jid.server == "s.whatsapp.net")
        #expect(jid.userJID.description == "6281234567890@s.whatsapp.net")
    }

    @Test("a phone number becomes a user JID; anything else is refused")
    func phoneNumbers() {
        #expect(JID(phoneNumber: "6281234567890")?.description == "6281234567890@s.whatsapp.net")
        #expect(JID(phoneNumber: "+6281234567890") == nil)
        #expect(JID(phoneNumber: "0812 3456") == nil)
        #expect(JID(phoneNumber: "") == nil)
    }

    @Test("LIDs are never phone numbers")
    func lidIsNotPhone() throws {
        let lid = try #require(JID(parsing: "123456789012345@lid"))
        #expect(lid.isLID && !lid.isPhoneNumberUser)
    }

    @Test("malformed strings are refused", arguments: ["@s.whatsapp.net:", "user@", "a:b@s.whatsapp.net", ":1"])
    func malformed(text: String) {
        #expect(JID(parsing: text) == nil)
    }

    @Test("node descriptions read like XML and never print whole binary payloads")
    func description() {
        let node = Node("message", [("to", .jid(JID(user: "6281234567890", server: "s.whatsapp.net"))), ("type", .string("text"))],
                        content: .nodes([Node("enc", [("v", .string("2"))], content: .bytes(Array(repeating: 0xAB, count: 40)))]))
        #expect(node.description == """
            <message to="6281234567890@s.whatsapp.net" type="text">
              <enc v="2"><!-- 40 bytes: abababababababababababababababab… --></enc>
            </message>
            """)
    }
}
