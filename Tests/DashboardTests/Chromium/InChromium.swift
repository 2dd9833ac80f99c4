import Testing

/// The suites that drive Chromium take turns. Run together they put more Chromium processes on
/// a 2-core CI machine than it can serve while the campaigns they watch keep their pace.
@Suite("Dashboard in headless Chromium", .serialized)
struct InChromium {}
