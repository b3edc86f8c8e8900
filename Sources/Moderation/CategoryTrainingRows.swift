/// What the category classifier's trainer reads: each labelled line's features as the server computes them
/// (`realtime-server moderation-features`), so training and serving cannot disagree on a feature.
public enum CategoryTrainingRows {
    /// Feature hashes are cut to this many bits; the trainer picks its bucket count at or below it.
    public static let hashBits = 24

    /// One line per labelled message: `file:line<TAB>category<TAB>FROM>TO or -<TAB>language<TAB>hashes`,
    /// hashes in decimal, separated by spaces, in the order `CategoryFeatures` yields them.
    public static func lines(setPaths: [String]) throws -> [String] {
        let set = try EvaluationSet(paths: setPaths)
        let mask: UInt64 = (1 << UInt64(hashBits)) - 1
        return set.lines.map { line in
            var hashes: [String] = []
            CategoryFeatures.forEach(in: TextNormaliser.normalise(line.text).words) { hashes.append(String($0 & mask)) }
            let context = line.role.map { "\($0)>\(line.audience ?? "")" } ?? "-"
            return "\(line.file):\(line.number)\t\(line.category)\t\(context)\t\(line.language.rawValue)\t\(hashes.joined(separator: " "))"
        }
    }
}
