import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Pipeline
import Testing

/// The New campaign form's segment builder and A/B test fields through the HTTP API: rows of
/// conditions become campaign.yaml's `segment:` (checked by the pipeline's parser), the preview
/// counts who matches with the code of `siaran contacts segment`, and the A/B fields become
/// `ab_test:`, refused in the words a dropped campaign.yaml gets.
@Suite("Dashboard: segment builder and A/B test fields")
struct SegmentFormTests {
    static let contacts = """
        phone,name,city,age,tags
        081234567801,Budi,Jakarta,25,vip
        081234567802,Sari,Bandung,31,
        081234567803,Agus,Kota Bogor,19,"vip, baru"
        081234567804,Dewi,Jakarta,42,
        081234567805,Rina,Surabaya,28,baru

        """

    static func row(_ kind: String, _ column: String = "", _ value: String = "", _ value2: String = "") -> [(String, String?, Data)] {
        [CampaignFormTests.text("segment_kind", kind), CampaignFormTests.text("segment_column", column),
         CampaignFormTests.text("segment_value", value), CampaignFormTests.text("segment_value2", value2)]
    }

    static let basics = [CampaignFormTests.text("name", "Promo Segmen"), ("numbers", "contacts.csv", Data(contacts.utf8)),
                         CampaignFormTests.text("message", "Halo {name|Kak}!")]

    @Test("builder rows become segment: in campaign.yaml; the preview counts who matches, opted-out numbers always left out")
    func segment() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            let login = try await DashboardHarness.login(client, .operator)
            // Dewi (Jakarta) opted out: never counted, whatever the segment says.
            let (optOut, _, answer) = try await ContactsTests.send(client, login, .post, "/api/contacts/optouts", json: #"{"phone":"081234567804","note":"asked"}"#)
            #expect(optOut == .created || optOut == .ok, "\(answer)")
            let rows = Self.row("one_of", "city", "Jakarta, Kota Bogor") + Self.row("between", "age", "18", "30") + Self.row("never_delivered")
            var (status, json) = try await CampaignFormTests.post(client, "/api/campaign/preview", login, Self.basics + rows)
            #expect(status == .ok)
            let segment = try #require(json["segment"] as? [String: Any], "\(json)")
            let text = #""city" in ("Jakarta", "Kota Bogor") and "age" between 18 and 30 and never delivered"#
            #expect(segment["text"] as? String == text)
            #expect(segment["rows"] as? Int == 5 && segment["usable"] as? Int == 4 && segment["optedOut"] as? Int == 1)
            #expect(segment["matching"] as? Int == 2 && segment["outsideSegment"] as? Int == 2, "Budi and Agus: \(segment)")

            // The dedicated endpoint answers the same count; "any of" joins with or.
            (status, json) = try await CampaignFormTests.post(client, "/api/segment/preview", login,
                                                              Self.basics + Self.row("tag", "", "vip") + Self.row("equals", "city", "surabaya") + [CampaignFormTests.text("segment_join", "any")])
            #expect(status == .ok)
            #expect(json["segment"] as? String == #"tag "vip" or "city" = "surabaya""#, "\(json)")
            #expect((json["count"] as? [String: Any])?["matching"] as? Int == 3, "\(json)")

            // A refused row beside itself, a column the list lacks beside the row that names it.
            (status, json) = try await CampaignFormTests.post(client, "/api/campaign/preview", login,
                                                              Self.basics + Self.row("equals", "city", "Jakarta") + Self.row("at_least", "age", "tua") + Self.row("replied_within", "", "0"))
            var fields = json["fields"] as? [String: String] ?? [:]
            #expect(fields["segment-1"] == "'tua' is not a number (write 18 or 1.5)", "\(fields)")
            #expect(fields["segment-2"] == "the number of days must be a whole number from 1 to 3650", "\(fields)")
            (status, json) = try await CampaignFormTests.post(client, "/api/segment/preview", login,
                                                              Self.basics + Self.row("equals", "city", "Jakarta") + Self.row("contains", "kota", "bogor"), language: "id")
            fields = json["fields"] as? [String: String] ?? [:]
            #expect(fields == ["segment-1": "daftar ini tidak punya kolom 'kota' (kolomnya: name, city, age, tags)"], "\(json)")
            // A row added but left blank says nothing; a half-filled one is refused on create too.
            (status, json) = try await CampaignFormTests.post(client, "/api/campaign/create", login, Self.basics + Self.row("equals") + Self.row("contains", "", "budi"))
            #expect(status == .badRequest)
            #expect((json["fields"] as? [String: String])?.keys.sorted() == ["segment-1"], "\(json)")
            // Set in the builder and in the Advanced campaign.yaml: keep one.
            (status, json) = try await CampaignFormTests.post(client, "/api/campaign/create", login,
                                                              Self.basics + Self.row("equals", "city", "Jakarta") + [CampaignFormTests.text("options", "segment: city = Bandung\n")])
            #expect((json["fields"] as? [String: String])?["segment"]?.contains("keep one") == true, "\(json)")

            (status, json) = try await CampaignFormTests.post(client, "/api/campaign/create", login, Self.basics + rows)
            #expect(status == .created, "\(json)")
        }
        let yaml = try String(contentsOfFile: harness.path("inbox/promo-segmen/campaign.yaml"), encoding: .utf8)
        let options = try CampaignOptions.parse(yaml, defaultTimeZone: "Asia/Jakarta")
        #expect(options.segment == #""city" in ("Jakarta", "Kota Bogor") and "age" between 18 and 30 and never delivered"#, "\(yaml)")
        #expect(try Segment.parse(try #require(options.segment)).historyDepth == 1)
    }

    @Test("the A/B fields become ab_test: in campaign.yaml, refused as campaign.yaml would be, and only with two variants")
    func abTest() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        func refusal(_ text: String) -> CampaignOptions.Problem? {
            do { _ = try CampaignOptions.parse(text, defaultTimeZone: "Asia/Jakarta"); return nil } catch { return error }
        }
        let problem = try #require(refusal("ab_test: {sample: 95}\n"))
        try await harness.application.test(.router) { client in
            let login = try await DashboardHarness.login(client, .operator)
            let variant = CampaignFormTests.text("variant", "Versi B, {name|Kak}!")
            func ab(_ sample: String, wait: String = "90", unit: String = "m") -> [(String, String?, Data)] {
                [CampaignFormTests.text("ab_enabled", "on"), CampaignFormTests.text("ab_sample", sample), CampaignFormTests.text("ab_metric", "read"),
                 CampaignFormTests.text("ab_wait", wait), CampaignFormTests.text("ab_wait_unit", unit),
                 CampaignFormTests.text("ab_min_per_variant", "30"), CampaignFormTests.text("ab_fallback", "higher")]
            }
            var (status, json) = try await CampaignFormTests.post(client, "/api/campaign/create", login, Self.basics + [variant] + ab("95"))
            #expect(status == .badRequest)
            #expect((json["fields"] as? [String: String])?["ab_test"] == problem.message, "\(json)")
            (status, json) = try await CampaignFormTests.post(client, "/api/campaign/preview", login, Self.basics + [variant] + ab("25", wait: "9", unit: "d"), language: "id")
            #expect((json["fields"] as? [String: String])?["ab_test"] == "'ab_test': 'wait' harus berupa waktu seperti 30m, 2h atau 1d (paling lama 7d)", "\(json)")
            // One message alone cannot be tested.
            (status, json) = try await CampaignFormTests.post(client, "/api/campaign/create", login, Self.basics + ab("25"))
            #expect(status == .badRequest)
            #expect((json["fields"] as? [String: String])?["ab_test"] == "an A/B test needs at least two variants: add another version of the message", "\(json)")
            (status, json) = try await CampaignFormTests.post(client, "/api/campaign/preview", login, Self.basics + ab("25"))
            #expect((json["fields"] as? [String: String])?["ab_test"]?.hasPrefix("an A/B test needs at least two variants") == true, "\(json)")
            // Not ticked: the fields say nothing.
            (status, json) = try await CampaignFormTests.post(client, "/api/campaign/preview", login, Self.basics + Array(ab("95").dropFirst()))
            #expect((json["fields"] as? [String: String])?["ab_test"] == nil)

            (status, json) = try await CampaignFormTests.post(client, "/api/campaign/create", login, Self.basics + [variant] + ab("25"))
            #expect(status == .created, "\(json)")
        }
        let yaml = try String(contentsOfFile: harness.path("inbox/promo-segmen/campaign.yaml"), encoding: .utf8)
        let test = try #require(try CampaignOptions.parse(yaml, defaultTimeZone: "Asia/Jakarta").abTest, "\(yaml)")
        #expect(test.samplePercent == 25 && test.metric == .read && test.waitSeconds == 5400 && test.minPerVariant == 30 && test.fallback == .higher)
    }
}
