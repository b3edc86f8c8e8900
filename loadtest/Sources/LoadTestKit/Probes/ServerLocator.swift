import Foundation

/// Finds the pid of the local process listening on a TCP port: the socket's inode from
/// /proc/net/tcp{,6}, then the process whose fd links to `socket:[inode]` (readable only for
/// our own processes, which is the case when the harness runs next to the server).
enum ServerLocator {
    static func pid(listeningOn port: Int) -> Int? {
        let inodes = listeningInodes(port: port)
        guard !inodes.isEmpty else { return nil }
        let targets = Set(inodes.map { "socket:[\($0)]" })
        guard let processes = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for entry in processes {
            guard let pid = Int(entry), pid != Int(getpid()) else { continue }
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { continue }
            for fd in fds {
                if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"), targets.contains(link) {
                    return pid
                }
            }
        }
        return nil
    }

    /// Inodes of sockets in state LISTEN (0A) on `port`, from the /proc/net tables.
    static func listeningInodes(port: Int) -> [String] {
        var inodes: [String] = []
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            inodes += listeningInodes(port: port, table: text)
        }
        return inodes
    }

    static func listeningInodes(port: Int, table: String) -> [String] {
        var inodes: [String] = []
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            guard fields.count > 9, fields[3] == "0A" else { continue }
            guard let colon = fields[1].lastIndex(of: ":"), let localPort = Int(fields[1][fields[1].index(after: colon)...], radix: 16),
                  localPort == port
            else { continue }
            inodes.append(String(fields[9]))
        }
        return inodes
    }
}
