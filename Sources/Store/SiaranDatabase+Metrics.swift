extension SiaranDatabase {
    /// Messages in each state across every campaign, from the tallies (no scan), for `/metrics`.
    public func messageStateTotals() async throws -> [String: Int] {
        try await read { db in
            var totals: [String: Int] = [:]
            for row in try db.query("SELECT state, COALESCE(SUM(count), 0) FROM messageTallies GROUP BY state") {
                totals[try row.string(at: 0)] = try row.int(at: 1)
            }
            return totals
        }
    }
}
