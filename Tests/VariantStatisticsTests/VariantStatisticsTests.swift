import Foundation
import SiaranTestSupport
import Testing
@testable import VariantStatistics

@Suite("A/B statistics")
struct VariantStatisticsTests {
    /// Values computed with scipy 1.17.1 (Tests/Interop/ab_statistics.py): binomtest(...).proportion_ci(method="wilson"),
    /// chi2_contingency(correction=False) against the best, Holm's adjustment.
    struct KnownAnswer: Sendable, CustomStringConvertible {
        var successes: [Int]
        var trials: [Int]
        var intervals: [[Double]]
        var best: Int
        var pValues: [Double?]
        var description: String { "\(successes)/\(trials)" }
    }

    static let known: [KnownAnswer] = [
        KnownAnswer(successes: [12, 30], trials: [400, 400],
                    intervals: [[0.01724302096514305, 0.051698535709095675], [0.053037743922847665, 0.10504770626130439]],
                    best: 1, pValues: [0.004325807999583447, nil]),
        KnownAnswer(successes: [0, 5, 9], trials: [120, 130, 110],
                    intervals: [[0.0, 0.031019166418703482], [0.01653842636016352, 0.08687839935777317], [0.04364064627865517, 0.14821791778890034]],
                    best: 2, pValues: [0.0027815056237915615, 0.15330809289867459, nil]),
        KnownAnswer(successes: [1, 0], trials: [7, 9],
                    intervals: [[0.02567962434474358, 0.5131278292743189], [0.0, 0.29914504841954404]],
                    best: 0, pValues: [nil, 0.2415665869689695]),
        KnownAnswer(successes: [40, 55, 30, 61], trials: [1000, 1000, 1000, 1000],
                    intervals: [[0.02951097368545276, 0.05400964412125796], [0.04249742737476844, 0.07090838767737562],
                                [0.021093738828834696, 0.042503414147587126], [0.047779775126033715, 0.0775801188242837]],
                    best: 3, pValues: [0.06399749094050684, 0.5659812955673484, 0.0026408229440042295, nil]),
    ]

    @Test("Wilson intervals, p-values against the best and Holm's correction match scipy's known answers", arguments: known)
    func knownAnswers(_ case_: KnownAnswer) {
        let comparison = ProportionComparison(successes: case_.successes, trials: case_.trials)
        #expect(comparison.best == case_.best)
        for (index, group) in comparison.groups.enumerated() {
            #expect(abs(group.interval.low - case_.intervals[index][0]) < 1e-12, "low \(index)")
            #expect(abs(group.interval.high - case_.intervals[index][1]) < 1e-12, "high \(index)")
            switch (group.pValueVsBest, case_.pValues[index]) {
            case (nil, nil): break
            case let (ours?, theirs?): #expect(abs(ours - theirs) < 1e-12 * max(1, theirs / 1e-3), "p \(index): \(ours) vs \(theirs)")
            default: Issue.record("p-value \(index): \(String(describing: group.pValueVsBest)) vs \(String(describing: case_.pValues[index]))")
            }
        }
    }

    @Test("Random counts agree with scipy run live in .venv")
    func againstScipy() async throws {
        let peer = try PythonPeer(script: "Tests/Interop/ab_statistics.py")
        var generator = SplitMix(seed: 23)
        for round in 0..<150 {
            let groups = 2 + Int(generator.next() % 4)
            let trials = (0..<groups).map { _ in 1 + Int(generator.next() % (round < 50 ? 40 : 3000)) }
            let successes = trials.map { Int(generator.next() % UInt64($0 / (1 + Int(generator.next() % 8)) + 1)) }
            let reply = try await peer.call(["successes": successes, "trials": trials])
            let comparison = ProportionComparison(successes: successes, trials: trials)
            let intervals = reply["intervals"] as? [[Double]] ?? []
            let pValues = reply["p_values"] as? [Any] ?? []
            #expect(comparison.best == reply["best"] as? Int, "\(successes)/\(trials)")
            for (index, group) in comparison.groups.enumerated() {
                #expect(abs(group.interval.low - intervals[index][0]) < 1e-9 && abs(group.interval.high - intervals[index][1]) < 1e-9,
                        "\(successes)/\(trials) interval \(index): \(group.interval) vs \(intervals[index])")
                let theirs = pValues[index] as? Double
                if let theirs, let ours = group.pValueVsBest {
                    // Relative for tiny p-values (erfc against the chi-squared survival function).
                    #expect(abs(ours - theirs) <= 1e-9 + 1e-7 * theirs, "\(successes)/\(trials) p \(index): \(ours) vs \(theirs)")
                } else {
                    #expect(theirs == nil && group.pValueVsBest == nil, "\(successes)/\(trials) p \(index)")
                }
            }
        }
    }

    @Test("Holm's step-down adjustment keeps the order and never goes past 1")
    func holm() {
        #expect(TwoProportionTest.holm([0.01, 0.04, 0.03]) == [0.03, 0.06, 0.06])
        #expect(TwoProportionTest.holm([0.5, 0.9]) == [1, 1])
        #expect(TwoProportionTest.holm([0.02]) == [0.02])
    }

    @Test("The issue's example: B gets replies 2.5× as often as A, and the chance is under 1%")
    func sentences() {
        let stats = ABStatistics([VariantCounts(name: "A", sent: 400, replied: 12), VariantCounts(name: "B", sent: 400, replied: 30)])
        #expect(stats.best(by: .replied) == "B")
        #expect(stats.winner(by: .replied) == "B")
        #expect(stats.sentences(.replied, language: .indonesian)
            == ["Varian B mendapat balasan 2,5× lebih sering daripada varian A (7,5% vs 3,0%); kemungkinan kebetulan < 1%."])
        #expect(stats.sentences(.replied, language: .english)
            == ["Variant B got replies 2.5× as often as variant A (7.5% vs 3.0%); the chance of this by luck alone is < 1%."])
    }

    @Test("Too few replies, a difference that may be chance, and three variants are each said plainly")
    func plainWords() {
        let few = ABStatistics([VariantCounts(name: "A", sent: 40, replied: 1), VariantCounts(name: "B", sent: 40, replied: 3)])
        #expect(few.winner(by: .replied) == nil)
        #expect(few.sentences(.replied, language: .english) == ["Not enough replies yet to tell variant B from variant A (7.5% vs 2.5%)."])
        #expect(few.sentences(.replied, language: .indonesian) == ["Belum cukup balasan untuk membedakan varian B dan varian A (7,5% vs 2,5%)."])

        let close = ABStatistics([VariantCounts(name: "A", sent: 500, replied: 25), VariantCounts(name: "B", sent: 500, replied: 30)])
        #expect(close.winner(by: .replied) == nil)
        let closeText = close.sentences(.replied, language: .english)[0]
        #expect(closeText.hasPrefix("Variant B got replies 1.2× as often as variant A (6.0% vs 5.0%), but a difference this size comes up by chance"))
        #expect(closeText.hasSuffix("of the time: no winner yet."))

        // Three variants: A beats C clearly even after the correction, but not B, so there is no overall winner.
        let three = ABStatistics([VariantCounts(name: "A", sent: 1000, replied: 61), VariantCounts(name: "B", sent: 1000, replied: 55),
                                  VariantCounts(name: "C", sent: 1000, replied: 30)])
        #expect(three.best(by: .replied) == "A" && three.winner(by: .replied) == nil)
        let threeText = three.sentences(.replied, language: .indonesian)
        #expect(threeText.count == 2 && threeText.allSatisfy { $0.contains("(sudah dikoreksi untuk 2 perbandingan)") })
        #expect(threeText[1].contains("varian C") && threeText[1].contains("kemungkinan kebetulan < 1%"))
    }

    @Test("JSON: null p-value for the best, intervals as [low, high], sentences in both languages")
    func json() throws {
        let stats = ABStatistics([VariantCounts(name: "A", sent: 400, replied: 12), VariantCounts(name: "B", sent: 400, replied: 30)])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let object = try JSONSerialization.jsonObject(with: try encoder.encode(stats.reportJSON)) as! [String: Any]
        let variants = object["variants"] as! [[String: Any]]
        #expect(variants[1]["p_value_vs_best"] is NSNull)
        #expect(abs((variants[0]["p_value_vs_best"] as! Double) - 0.004325807999583447) < 1e-12)
        #expect(variants[0]["reply_rate_ci"] as! [Double] == [0.0172, 0.0517])
        #expect(variants[0]["reply_rate"] as! Double == 0.03)
        #expect(object["winner_by_replies"] as? String == "B")
        #expect((object["sentences_id"] as! [String]).count == 1)  // no read receipts: no read sentence
    }
}

@Suite("--variant NAME:sent=N,replied=N")
struct VariantCountsParsingTests {
    @Test("counts are read by name; delivered, read and opted_out are optional")
    func parses() throws {
        #expect(try VariantCounts(parsing: "A:sent=400,replied=12") == VariantCounts(name: "A", sent: 400, replied: 12))
        #expect(try VariantCounts(parsing: "Promo B: sent=10, read=4, delivered=9, opted-out=1")
            == VariantCounts(name: "Promo B", sent: 10, delivered: 9, read: 4, replied: 0, optedOut: 1))
    }

    @Test("bad arguments are refused with the reason", arguments: [
        ("sent=4", "write it as NAME:sent=N,replied=N"),
        (":sent=4", "the variant has no name before ':'"),
        ("A:replied=3", "sent= is required"),
        ("A:sent=4,replied=5", "replied=5 is more than sent=4"),
        ("A:sent=4,clicks=1", "unknown count 'clicks' (sent, delivered, read, replied, opted_out)"),
        ("A:sent=-1", "sent must be a whole number ≥ 0, not '-1'"),
        ("A:sent=4,sent=5", "sent is given twice"),
        ("A:sent", "'sent' is not key=number"),
    ])
    func refuses(_ argument: String, _ reason: String) {
        #expect(throws: VariantCountsError(argument: argument, reason: reason)) { try VariantCounts(parsing: argument) }
    }
}

/// A small deterministic generator, so a failing case can be replayed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
