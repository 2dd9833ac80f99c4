import Foundation
import Media

/// Campaign images: a generated 12-megapixel (4000×3000) JPEG and PNG made WhatsApp-ready
/// (long side 1600, quality 80), beside Pillow (draft + thumbnail + save) and ImageMagick
/// (`convert -resize 1600x1600 -quality 80`) on the same files in the same run.
enum MediaBench {
    static let pillowScript = """
        import sys, time
        from PIL import Image
        def prepare(source, target):
            image = Image.open(source)
            image.draft("RGB", (1600, 1600))
            image = image.convert("RGB")
            image.thumbnail((1600, 1600))
            image.save(target, quality=80)
        mode, source, target = sys.argv[1], sys.argv[2], sys.argv[3]
        if mode == "once":
            prepare(source, target)
        else:
            times = []
            for _ in range(int(mode)):
                start = time.perf_counter()
                prepare(source, target)
                times.append(time.perf_counter() - start)
            times.sort()
            print(times[len(times) // 2])
        """

    static func run(arguments: [String]) async throws {
        // `--prepare-one=FILE`: one preparation in a fresh process, so /usr/bin/time measures
        // Siaran the same way as the other tools.
        if let one = arguments.first(where: { $0.hasPrefix("--prepare-one=") }) {
            let file = String(one.dropFirst("--prepare-one=".count))
            let prepared = try MediaPreparer().prepare(file: file)
            try prepared.data.write(to: URL(fileURLWithPath: file + ".siaran.jpg"))
            return
        }
        let repeats = arguments.contains("--quick") ? 3 : 7
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-media-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let python = FileManager.default.fileExists(atPath: ".venv/bin/python") ? ".venv/bin/python" : "python3"
        let convert = ["/usr/bin/convert-im6.q16", "/usr/bin/convert", "/usr/bin/magick"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let script = folder.appendingPathComponent("pillow_prepare.py").path
        try pillowScript.write(toFile: script, atomically: true, encoding: .utf8)

        // The photo: smooth gradients, soft shapes and fine grain, like a phone picture.
        let jpeg = folder.appendingPathComponent("photo-4000x3000.jpg").path
        let png = folder.appendingPathComponent("photo-4000x3000.png").path
        try Data(JPEGEncoder.encode(photo(width: 4000, height: 3000), quality: 92)).write(to: URL(fileURLWithPath: jpeg))
        let conversion = try Bench.external("\(python) -c 'from PIL import Image; Image.open(\"\(jpeg)\").save(\"\(png)\")'")
        guard conversion.seconds > 0, FileManager.default.fileExists(atPath: png) else { throw BenchError("Pillow could not write the PNG") }

        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; in-process time = median of \(repeats); process columns = one fresh process under /usr/bin/time (wall, peak RSS)")
        print("PSNR: against Pillow's exact LANCZOS resize of the full-size decode (higher is closer)")
        print("| input | tool | in-process | process wall | peak RSS | output | PSNR |")
        print("|---|---|---:|---:|---:|---:|---:|")
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        for (label, file) in [("JPEG 4000×3000 (\(size(jpeg)))", jpeg), ("PNG 4000×3000 (\(size(png)))", png)] {
            // Siaran, in process.
            var times: [Double] = []
            var prepared: PreparedImage?
            for _ in 0..<repeats {
                times.append(try await Bench.time { prepared = try MediaPreparer().prepare(file: file) })
            }
            let ours = try Bench.external("\(executable) media --prepare-one=\(file)")
            let output = prepared.map { "\($0.width)×\($0.height), \($0.data.count / 1024) KB" } ?? "-"
            print("| \(label) | siaran | \(Bench.seconds(median(times))) | \(Bench.seconds(ours.seconds)) | \(Bench.megabytes(ours.peakBytes)) | \(output) | \(psnr(file + ".siaran.jpg", source: file, python: python)) |")

            // Pillow with draft mode (JPEG only; PNG has no draft).
            let pillowOut = file + ".pillow.jpg"
            let pillowMedian = try capture("\(python) \(script) \(repeats) \(file) \(pillowOut)")
            let pillow = try Bench.external("\(python) \(script) once \(file) \(pillowOut)")
            print("| \(label) | Pillow draft+thumbnail | \(Bench.seconds(Double(pillowMedian) ?? 0)) | \(Bench.seconds(pillow.seconds)) | \(Bench.megabytes(pillow.peakBytes)) | \(dimensions(pillowOut, python: python)), \(size(pillowOut)) | \(psnr(pillowOut, source: file, python: python)) |")

            if let convert {
                let magickOut = file + ".magick.jpg"
                var magickTimes: [Double] = []
                var peak = 0
                for _ in 0..<min(repeats, 3) {
                    let run = try Bench.external("\(convert) \(file) -resize 1600x1600 -quality 80 \(magickOut)")
                    magickTimes.append(run.seconds)
                    peak = max(peak, run.peakBytes)
                }
                print("| \(label) | ImageMagick convert | - | \(Bench.seconds(median(magickTimes))) | \(Bench.megabytes(peak)) | \(dimensions(magickOut, python: python)), \(size(magickOut)) | \(psnr(magickOut, source: file, python: python)) |")
            } else {
                print("| \(label) | ImageMagick convert | not installed (scripts/bootstrap) | | | |")
            }
        }
    }

    struct BenchError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static func photo(width: Int, height: Int) -> PixelBuffer {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var state: UInt64 = 0x1234_5678
        for y in 0..<height {
            for x in 0..<width {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let grain = Int(state >> 60) - 8
                let dx = Double(x - width / 3), dy = Double(y - height / 2)
                let disc = dx * dx + dy * dy < Double(height * height) / 9 ? 60 : 0
                let wave = Int(40 * sin(Double(x) / 37) * cos(Double(y) / 53))
                let index = (y * width + x) * 3
                pixels[index] = UInt8(clamping: x * 200 / width + disc + grain + 20)
                pixels[index + 1] = UInt8(clamping: y * 180 / height + wave + grain + 30)
                pixels[index + 2] = UInt8(clamping: 140 - disc + wave / 2 + grain)
            }
        }
        return PixelBuffer(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// PSNR of an output against the exact reference: full decode, LANCZOS to the output's size.
    static func psnr(_ output: String, source: String, python: String) -> String {
        let script = """
            import math, sys
            from PIL import Image, ImageChops
            out = Image.open(sys.argv[1]).convert("RGB")
            ref = Image.open(sys.argv[2]).convert("RGB").resize(out.size, Image.Resampling.LANCZOS)
            histogram = ImageChops.difference(out, ref).histogram()
            mse = sum((i % 256) ** 2 * n for i, n in enumerate(histogram)) / (3 * out.size[0] * out.size[1])
            print("%.1f dB" % (10 * math.log10(255 * 255 / mse)) if mse else "inf")
            """
        return (try? capture("\(python) -c \(Bench.shellQuote(script)) \(output) \(source)")) ?? "?"
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    static func size(_ path: String) -> String {
        let bytes = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
        return bytes < 1_048_576 ? "\(bytes / 1024) KB" : Bench.megabytes(bytes)
    }

    static func dimensions(_ path: String, python: String) -> String {
        (try? capture("\(python) -c 'from PIL import Image; print(\"%d×%d\" % Image.open(\"\(path)\").size)'")) ?? "?"
    }

    /// Runs a shell command and returns its standard output, trimmed.
    static func capture(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
