import Configuration
import Testing

/// Retention and encryption-at-rest keys (issue 13).
struct ComplianceConfigTests {
    @Test func retentionOverridesParsePerOrgAndBadOnesNameTheKey() throws {
        let config = try Fixtures.load("message_retention_days: 30\nretention_overrides: [acme=0/365, beta=7/0]\n").get()
        #expect(config.defaultRetention == RetentionDays(messages: 30, audit: 0))
        #expect(try config.retentionOverridesByOrg() == ["acme": RetentionDays(messages: 0, audit: 365), "beta": RetentionDays(messages: 7, audit: 0)])
        for bad in ["acme", "acme=30", "acme=x/1", "acme=-1/0", "acme=1/36501", "bad org=1/1", "acme=1/1, acme=2/2"] {
            #expect(Fixtures.error("retention_overrides: [\(bad)]\n")?.key == "retention_overrides", "\(bad)")
        }
        #expect(Fixtures.error("message_retention_days: -1\n")?.key == "message_retention_days")
        #expect(Fixtures.error("audit_retention_days: 40000\n")?.key == "audit_retention_days")
        #expect(Fixtures.error("retention_interval_s: 0\n")?.key == "retention_interval_s")
        #expect(try Fixtures.load("", env: ["RTS_RETENTION_OVERRIDES": "acme=1/2,beta=3/4"]).get().retentionOverridesByOrg().count == 2)
    }

    @Test func encryptionKeysComeFromAFileOrTheEnvironmentNotBoth() {
        #expect(Fixtures.error("encryption_keys_file: /nonexistent/keys\n")?.key == "encryption_keys_file")
        #expect(Fixtures.error("encryption_keys_file: /nonexistent/keys\n", env: ["RTS_ENCRYPTION_KEYS": "k1:x"])?.key == "encryption_keys")
    }
}
