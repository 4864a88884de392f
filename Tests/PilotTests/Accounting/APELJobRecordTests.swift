import Foundation
import Testing
@testable import Pilot

@Suite("APEL job records")
struct APELJobRecordTests {
    private func record(_ facts: JobAccountingFacts = AccountingSamples.facts()) -> APELJobRecord {
        APELJobRecord(facts: facts, settings: AccountingSamples.settings(), benchmark: AccountingSamples.benchmark)
    }

    @Test("the example job gives APEL.md's job message to the byte")
    func golden() throws {
        let record = record()
        try record.validate(now: AccountingSamples.now)
        #expect(record.message == AccountingSamples.referenceJobMessage)
        try APELFormatChecker.check(record.message)
    }

    @Test("durations are whole seconds: wall rounded, CPU is user plus system of the tree")
    func wholeSeconds() {
        var facts = AccountingSamples.facts()
        facts.wallSeconds = 9000.49
        facts.cpuUserSeconds = 100.3
        facts.cpuSystemSeconds = 20.3
        let record = record(facts)
        #expect(record.wallDuration == 9000)
        #expect(record.cpuDuration == 121)
        #expect(record.message.contains("WallDuration: 9000\nCpuDuration: 121\n"))
    }

    @Test("VO alone is written when there is no FQAN; LocalUserId when known")
    func voWithoutFQAN() throws {
        var facts = AccountingSamples.facts()
        facts.fqan = nil
        facts.vo = "atlas"
        facts.localUser = "atlpilot"
        let message = record(facts).message
        #expect(message.contains("LocalJobId: 6931245817\nLocalUserId: atlpilot\n"))
        #expect(message.contains("\nVO: atlas\nWallDuration:"))
        #expect(!message.contains("FQAN"))
        try APELFormatChecker.check(message)
    }

    @Test("non-ASCII text is transliterated before it reaches a record", arguments: [
        ("/CN=José Müller", "/CN=Jose Muller"),
        ("Łukasz Żółć", "Lukasz Zolc"),
        ("Straße Œuvre Ærø", "Strasse OEuvre AEro"),
        ("e\u{301}lan", "elan"),
        ("名前", "??"),
        ("2×3÷4", "2?3?4"),
    ])
    func transliteration(input: String, expected: String) throws {
        #expect(APELText.ascii(input) == expected)
        let message = record(AccountingSamples.facts(userDN: input)).message
        #expect(message.utf8.allSatisfy { $0 < 0x80 })
        #expect(message.contains("GlobalUserName: \(expected)\n"))
        try APELFormatChecker.check(message)
    }

    /// Facts edits that make a record the server would refuse, and the refusal expected.
    static let refusals: [(String, @Sendable (inout JobAccountingFacts) -> Void, APELRecordError)] = [
        ("%% in the DN", { $0.userDN = "/CN=a%%b" }, .containsSeparator(field: "GlobalUserName")),
        ("newline in the DN", { $0.userDN = "/CN=a\nSite: other" }, .controlCharacter(field: "GlobalUserName")),
        ("queue of 101 characters", { $0.queue = String(repeating: "Q", count: 101) }, .tooLong(field: "Queue", length: 101, limit: 100)),
        ("end before start", { $0.endTime = $0.startTime - 1 }, .endBeforeStart(start: 1_791_964_800, end: 1_791_964_799)),
        ("end three days ahead", { $0.endTime = AccountingSamples.now + 3 * 86400 }, .endInFuture(end: AccountingSamples.now + 3 * 86400, now: AccountingSamples.now)),
        ("negative wall", { $0.wallSeconds = -5 }, .outOfRange(field: "WallDuration", value: "-5", reason: "must not be negative")),
        ("CPU past 2^31", { $0.cpuUserSeconds = 3e9 }, .outOfRange(field: "CpuDuration", value: "3000003200", reason: "must be below 2^31")),
        ("NaN wall", { $0.wallSeconds = .nan }, .outOfRange(field: "WallDuration", value: "-1", reason: "must not be negative")),
        ("site reads as NULL", { $0.site = "None" }, .missingField("Site")),
    ]

    @Test("a record the server would refuse is refused with a clear error", arguments: refusals.indices)
    func refusal(index: Int) {
        let (name, edit, expected) = Self.refusals[index]
        var facts = AccountingSamples.facts()
        edit(&facts)
        #expect(throws: expected, "\(name)") { try record(facts).validate(now: AccountingSamples.now) }
        #expect(!expected.description.isEmpty)
    }

    @Test("benchmarks parse as TYPE:VALUE and print as APEL's ServiceLevel", arguments: [
        ("HEPscore23:10.5", "HEPscore23", "10.5"), ("hepspec:12", "HEPSPEC", "12"), ("HEPscore23:0.125", "HEPscore23", "0.125"),
        (" HEPSPEC : 14.900 ", "HEPSPEC", "14.9"), ("HEPscore23:9999999.999", "HEPscore23", "9999999.999"),
    ])
    func benchmark(text: String, kind: String, value: String) throws {
        let benchmark = try APELBenchmark(parsing: text)
        #expect(benchmark.kind.rawValue == kind)
        #expect(benchmark.value == value)
    }

    @Test("benchmarks APEL would refuse are refused", arguments: [
        "HS06:10", "si2k:2500", "custom:1", "HEPscore23:1.2345", "HEPscore23:-1", "HEPscore23:0", "HEPscore23:1e3",
        "HEPscore23", "HEPscore23:", "HEPscore23:.5", "HEPscore23:5.", "HEPscore23:10000000",
    ])
    func badBenchmark(text: String) {
        #expect(throws: APELBenchmark.ParseError.self) { try APELBenchmark(parsing: text) }
    }

    @Test("VO, VOGroup and VORole come from the FQAN as APEL's parse_fqan takes them", arguments: [
        ("/atlas/Role=production/Capability=NULL", "atlas", "/atlas", "Role=production"),
        ("/atlas/lcg1/Role=NULL/Capability=NULL", "atlas", "/atlas/lcg1", "Role=NULL"),
        ("/atlas/ROLE=pilot;/atlas/Role=NULL", "atlas", "/atlas", "ROLE=pilot"),
        ("/atlas", "/atlas", nil, nil),
        ("atlas/Role=x", "atlas/Role=x", nil, nil),
        ("/role=x", "/role=x", nil, nil),
        ("/atlas/xrole=y", "/atlas/xrole=y", nil, nil),
    ] as [(String, String, String?, String?)])
    func fqan(fqan: String, vo: String, group: String?, role: String?) {
        let attributes = APELVOAttributes(fqan: fqan, vo: "ignored")
        #expect(attributes.vo == vo)
        #expect(attributes.voGroup == group)
        #expect(attributes.voRole == role)
    }

    @Test("the format checker itself refuses what the server refuses", arguments: [
        "APEL-individual-job-message: v0.3\nSite: S\nLocalJobId: 1\nWallDuration: 3600.0\nCpuDuration: 1\nStartTime: 1\nEndTime: 2\nServiceLevelType: HEPSPEC\nServiceLevel: 1\n%%\n",
        "APEL-individual-job-message: v0.3\nSite: S\n\nLocalJobId: 1\nWallDuration: 1\nCpuDuration: 1\nStartTime: 1\nEndTime: 2\nServiceLevelType: HEPSPEC\nServiceLevel: 1\n%%\n",
        "APEL-individual-job-message: v0.3\nSite: S\nqueue: q\nLocalJobId: 1\nWallDuration: 1\nCpuDuration: 1\nStartTime: 1\nEndTime: 2\nServiceLevelType: HEPSPEC\nServiceLevel: 1\n%%\n",
        "APEL-individual-job-message: v0.3\nSite: Sé\nLocalJobId: 1\nWallDuration: 1\nCpuDuration: 1\nStartTime: 1\nEndTime: 2\nServiceLevelType: HEPSPEC\nServiceLevel: 1\n%%\n",
        "APEL-individual-job-message: v0.3\nSite: S\nLocalJobId: 1\nWallDuration: 1\nCpuDuration: 1\nStartTime: 1\nEndTime: 2\nServiceLevelType: custom\nServiceLevel: 1\n%%\n",
        "APEL-individual-job-message: v0.3\nSite: S\nLocalJobId: 1\nWallDuration: 1\nCpuDuration: 1\nStartTime: 1.5\nEndTime: 2\nServiceLevelType: HEPSPEC\nServiceLevel: 1\n%%\n",
        "APEL-individual-job-message: v0.3\nSite: S\nLocalJobId: 1\nWallDuration: 1\nCpuDuration: 1\nStartTime: 1\nEndTime: 2\n%%\n",
    ])
    func checkerRefuses(message: String) {
        #expect(throws: APELFormatChecker.Violation.self) { try APELFormatChecker.check(message) }
    }
}
