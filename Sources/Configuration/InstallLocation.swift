import Foundation

/// Finds the shipped files (`config/…`) when the server is started from another directory:
/// first relative to the working directory, then relative to the executable and its parents
/// (a build puts it at `.build/<triple>/<configuration>/realtime-server` inside the checkout).
public enum InstallLocation {
    /// `relativePath` in the working directory, else in `installDirectory` or one of its parents.
    static func find(_ relativePath: String, beside installDirectory: URL?) -> String? {
        if FileManager.default.fileExists(atPath: relativePath) { return relativePath }
        var directory = installDirectory
        for _ in 0..<5 {
            guard let current = directory else { return nil }
            let candidate = current.appendingPathComponent(relativePath).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            let parent = current.deletingLastPathComponent()
            directory = parent == current ? nil : parent
        }
        return nil
    }

    /// The directory of the running executable, symlinks resolved.
    public static func executableDirectory() -> URL? {
        guard let executable = Bundle.main.executableURL ?? URL(string: CommandLine.arguments.first ?? "") else { return nil }
        return executable.resolvingSymlinksInPath().deletingLastPathComponent()
    }
}
