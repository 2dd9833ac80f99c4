import ArgumentParser
import Foundation
import VariantStatistics

/// `siaran stats ab`: the A/B statistics of the reports for any counts, so anyone can check them.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Statistics the reports use, for counts you give.",
        subcommands: [AB.self]
    )

    struct AB: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ab",
            abstract: "Compare A/B variants: rates with 95% Wilson ranges and p-values against the best, as JSON.",
            discussion: """
                Each --variant is NAME:sent=N,replied=N (optionally delivered=N, read=N, opted_out=N). Rates are per \
                message sent. Every other variant is tested against the best one (two-sided two-proportion test), \
                Holm-corrected when there are more than two; p_value_vs_best is null for the best. The output is the \
                same as the variants of summary.json, with the winner (significant at 5% with enough replies) and \
                plain sentences in English and Indonesian.

                Example: siaran stats ab --variant A:sent=400,replied=12 --variant B:sent=400,replied=30
                """
        )

        @Option(name: .customLong("variant"), help: "NAME:sent=N,replied=N[,delivered=N,read=N,opted_out=N]; repeat for each variant.")
        var variants: [String] = []

        func validate() throws {
            guard !variants.isEmpty else { throw ValidationError("give at least one --variant NAME:sent=N,replied=N") }
            let names = try variants.map { argument in
                do throws(VariantCountsError) { return try VariantCounts(parsing: argument).name } catch { throw ValidationError(error.description) }
            }
            if Set(names).count != names.count { throw ValidationError("each --variant needs its own name") }
        }

        func run() async throws {
            let counts = try variants.map { try VariantCounts(parsing: $0) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(ABStatistics(counts).reportJSON)
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
