import Foundation
import SiaranTestSupport
import Store
import Testing

@Suite("Personal data of one number (UU PDP)")
struct PersonalDataTests {
    @Test("the lists, messages, replies and opt-out of one number, and nothing of another", arguments: TestDatabaseKind.allCases)
    func export(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        try await StoreFixture.fill(test.database)
        let phone = StoreFixture.phone(2)
        let data = try await test.database.personalData(phone: phone)
        #expect(data.phone == phone)
        #expect(data.lists.map(\.campaignId) == ["done-1"])
        #expect(data.lists.first?.variables?.contains("Pelanggan 2") == true)
        #expect(data.messages.map(\.id) == ["done-1-m2"])
        #expect(data.messages.first?.text == "Halo Pelanggan 2 🎉")
        #expect(data.messages.first?.state == "delivered")
        #expect(data.replies.map(\.text) == ["BERHENTI"])
        #expect(data.replies.first?.isOptOut == true)
        #expect(data.optOut?.source == "reply")
        let stranger = try await test.database.personalData(phone: "6289999999999")
        #expect(stranger.lists.isEmpty && stranger.messages.isEmpty && stranger.replies.isEmpty && stranger.optOut == nil)
    }
}
