import Foundation
import Pipeline
import Store
import Testing

/// Workers of a cluster may mount the shared folder at different paths: a campaign's spool
/// folder written by one worker is found by another under its own mount.
@Suite("A campaign's spool folder under each worker's mount of the shared folder")
struct SharedSpoolPathTests {
    @Test("a path from another mount is found under this worker's spool; a path that exists only as written is kept")
    func locating() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-mounts-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        // The same share seen as /mnt/a/.siaran/spool on worker a and /srv/share/.siaran/spool on b.
        let bSpool = "\(root)/srv/share/.siaran/spool"
        try FileManager.default.createDirectory(atPath: "\(bSpool)/c1", withIntermediateDirectories: true)
        let written = CampaignRecord(id: "c1", name: "promo", dropId: nil, spoolPath: "\(root)/mnt/a/.siaran/spool/c1")
        #expect(written.locatingSpool(in: bSpool).spoolPath == "\(bSpool)/c1")
        #expect(written.locatingSpool(in: bSpool).id == "c1")

        // A one-machine spool not moved yet (state/spool before the shared folder): kept as written.
        let old = "\(root)/state/spool/c2"
        try FileManager.default.createDirectory(atPath: old, withIntermediateDirectories: true)
        let unmoved = CampaignRecord(id: "c2", name: "promo", dropId: nil, spoolPath: old)
        #expect(unmoved.locatingSpool(in: bSpool).spoolPath == old)
        // Written here: unchanged.
        let local = CampaignRecord(id: "c1", name: "promo", dropId: nil, spoolPath: "\(bSpool)/c1")
        #expect(local.locatingSpool(in: bSpool).spoolPath == "\(bSpool)/c1")
    }
}

@Suite("A campaign taken on one worker's mount runs on another's")
struct SharedSpoolRunTests {
    @Test("the database names another mount of the shared folder: the campaign still renders and sends in full")
    func runsFromAnotherMount() async throws {
        let harness = try await PipelineHarness(.sqlite)
        try harness.drop("promo/numbers.txt", "6281234567890\n6281311223344\n")
        try harness.drop("promo/message.txt", "Halo, promo hari ini!")
        let campaign = try #require(try await harness.takeDrops().first)
        // As the worker that took it wrote the path: its own mount point, which does not exist here.
        try await harness.database.setSpoolPath("/mnt/worker-a/.siaran/spool/\(campaign.id)", of: campaign.id)
        _ = try await harness.runOnce()
        let done = try #require(try await harness.database.campaign(campaign.id))
        #expect(done.state == .done, "\(done)")
        #expect(try harness.dryRunLines(done).count == 2)
    }
}
