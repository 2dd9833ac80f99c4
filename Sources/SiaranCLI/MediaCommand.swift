import ArgumentParser
import Foundation
import Media
import Siaran

struct MediaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media",
        abstract: "Work with campaign images.",
        subcommands: [Prepare.self]
    )

    struct Prepare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a JPEG, PNG or WebP WhatsApp-ready and print one JSON object describing it.",
            discussion: """
                The format is read from the bytes, not the name. The picture is turned upright (EXIF), \
                scaled so its long side is at most --max-side (never enlarged), transparency is flattened \
                on media.background for JPEG, and the quality is stepped down until it fits --max-bytes.

                Output: {"format","width","height","bytes","sha256","thumbnail_bytes","mimetype","quality"}.
                Exit status: 0 when prepared, 1 with a one-line reason when the picture is refused.
                """
        )

        @Argument(help: "The picture: JPEG, PNG or WebP.")
        var input: String

        @Option(help: "Where to write the prepared picture.")
        var out: String

        @Option(help: "Output format: jpeg (default) or webp.")
        var format: String?

        @Option(name: .customLong("max-side"), help: "Longest side in pixels (default 1600).")
        var maxSide: Int?

        @Option(help: "Starting quality 1–100 (default 80).")
        var quality: Int?

        @Option(name: .customLong("max-bytes"), help: "Byte budget for the output (default 1000000).")
        var maxBytes: Int?

        @Flag(help: "Write a progressive JPEG.")
        var progressive = false

        @Option(help: "Also write the message thumbnail (JPEG) here.")
        var thumbnail: String?

        @Option(name: [.customShort("c"), .long], help: "Take the media settings from this pipeline.yaml (flags still win).")
        var config: String?

        func validate() throws {
            if let format, MediaConfiguration.OutputFormat(rawValue: format) == nil { throw ValidationError("--format must be jpeg or webp") }
            if let maxSide, !(16...16384).contains(maxSide) { throw ValidationError("--max-side must be between 16 and 16384") }
            if let quality, !(1...100).contains(quality) { throw ValidationError("--quality must be between 1 and 100") }
            if let maxBytes, maxBytes < 1 { throw ValidationError("--max-bytes must be positive") }
        }

        func run() async throws {
            var settings = MediaConfiguration()
            if let config {
                do {
                    settings = try ConfigurationLoader().load(file: config).media
                } catch let error as ConfigurationError {
                    printError(error.description)
                    throw ExitCode(1)
                }
            }
            if let format, let chosen = MediaConfiguration.OutputFormat(rawValue: format) { settings.format = chosen }
            if let maxSide { settings.maxSide = maxSide }
            if let quality { settings.quality = quality }
            if let maxBytes { settings.maxOutputBytes = maxBytes }
            if progressive { settings.progressive = true }

            let prepared: PreparedImage
            do {
                prepared = try MediaPreparer(configuration: settings).prepare(file: input)
            } catch {
                printError(error.description)
                throw ExitCode(1)
            }
            do {
                try prepared.data.write(to: URL(fileURLWithPath: out), options: .atomic)
                if let thumbnail { try prepared.thumbnail.write(to: URL(fileURLWithPath: thumbnail), options: .atomic) }
            } catch {
                printError("\(out): the prepared picture cannot be written (\(error.localizedDescription))")
                throw ExitCode(1)
            }
            print(#"{"format":"\#(prepared.format.rawValue)","width":\#(prepared.width),"height":\#(prepared.height),"bytes":\#(prepared.data.count),"sha256":"\#(prepared.sha256)","thumbnail_bytes":\#(prepared.thumbnail.count),"mimetype":"\#(prepared.mimeType)","quality":\#(prepared.quality)}"#)
        }
    }
}
