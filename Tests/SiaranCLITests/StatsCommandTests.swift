import Foundation
import Testing

/// `siaran stats ab` as a marketer or a script runs it.
@Suite("siaran stats ab")
struct StatsCommandTests {
    @Test("prints the A/B statistics of any counts as JSON: the best has a null p-value, the winner and the sentences")
    func prints() async throws {
        let result = try await CommandLineTests.run(["stats", "ab", "--variant", "A:sent=400,replied=12", "--variant", "B:sent=400,replied=30"])
        #expect(result.status == 0, "\(result.error)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let variants = try #require(json["variants"] as? [[String: Any]])
        #expect(variants.map { $0["name"] as? String } == ["A", "B"])
        #expect(variants[0]["reply_rate"] as? Double == 0.03 && variants[1]["reply_rate"] as? Double == 0.075)
        #expect(variants[0]["reply_rate_ci"] as? [Double] == [0.0172, 0.0517])
        #expect(variants[1]["p_value_vs_best"] is NSNull)
        // scipy.stats.chi2_contingency([[12, 388], [30, 370]], correction=False).pvalue
        #expect(abs(try #require(variants[0]["p_value_vs_best"] as? Double) - 0.004325807999583447) < 1e-12)
        #expect(json["winner_by_replies"] as? String == "B")
        #expect((json["sentences_id"] as? [String])?.first?.hasPrefix("Varian B mendapat balasan 2,5× lebih sering") == true)
    }

    @Test("a count that does not add up is refused with the reason and exit status 64")
    func refuses() async throws {
        let result = try await CommandLineTests.run(["stats", "ab", "--variant", "A:sent=10,replied=11"])
        #expect(result.status == 64)
        #expect(result.error.contains("--variant A:sent=10,replied=11: replied=11 is more than sent=10"), "\(result.error)")
    }
}
