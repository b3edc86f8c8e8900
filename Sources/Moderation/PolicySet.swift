/// Every org's compiled policy, swapped whole on reload so a message never sees half of a change.
final class PolicySet: Sendable {
    let fallback: OrgPolicy
    let orgs: [String: OrgPolicy]

    init(_ directory: PolicyDirectory, shared: OrgPolicy.Shared) throws(PolicyFileError) {
        let common = [directory.defaults] + directory.lists
        let defaultSettings: PolicySettings
        do {
            defaultSettings = try PolicySettings().overlaid(with: directory.defaults.contents)
        } catch {
            throw PolicyFileError(file: directory.defaults.path, message: error.message)
        }
        fallback = try OrgPolicy(files: common, settings: defaultSettings, shared: shared)
        var orgs: [String: OrgPolicy] = [:]
        for (org, file) in directory.orgs {
            let settings: PolicySettings
            do {
                settings = try defaultSettings.overlaid(with: file.contents)
            } catch {
                throw PolicyFileError(file: file.path, message: error.message)
            }
            orgs[org] = try OrgPolicy(files: common + [file], settings: settings, shared: shared)
        }
        self.orgs = orgs
    }

    func policy(for org: String) -> OrgPolicy {
        orgs[org] ?? fallback
    }
}
