import CHiredis

/// A command's arguments packed in one buffer (one allocation however many arguments), so the
/// connection thread can hand hiredis an argv without copying them again first.
public struct RedisCommand: Sendable {
    var storage: [UInt8] = []
    /// End offset of each argument in `storage`.
    var ends: [Int] = []

    public init() {}

    public init(_ args: [String]) {
        for arg in args { append(arg) }
    }

    public init(_ args: [[UInt8]]) {
        storage.reserveCapacity(args.reduce(0) { $0 + $1.count })
        for arg in args { append(arg) }
    }

    public var count: Int { ends.count }

    public mutating func append(_ arg: String) {
        storage.append(contentsOf: arg.utf8)
        ends.append(storage.count)
    }

    public mutating func append(_ arg: some Collection<UInt8>) {
        storage.append(contentsOf: arg)
        ends.append(storage.count)
    }

    /// Appends one argument that `build` writes in place (the broker encodes an event this way,
    /// so the frame bytes are copied once, into the command).
    public mutating func appendArgument(reservingCapacity capacity: Int = 0, _ build: (inout [UInt8]) -> Void) {
        if capacity > 0 { storage.reserveCapacity(storage.count + capacity) }
        build(&storage)
        ends.append(storage.count)
    }

    /// The argument at `index` (tests, logging).
    public func argument(_ index: Int) -> ArraySlice<UInt8> {
        storage[(index == 0 ? 0 : ends[index - 1])..<ends[index]]
    }

    /// Appends the command to the context's output buffer (hiredis formats it there).
    func append(to context: UnsafeMutablePointer<redisContext>) -> Bool {
        let argc = ends.count
        guard argc > 0 else { return false }
        return withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: argc) { argv in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: argc) { lengths in
                storage.withUnsafeBytes { raw in
                    // An empty buffer may have no base address; any valid pointer does for zero lengths.
                    let base = raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)
                    var start = 0
                    for index in 0..<argc {
                        argv[index] = base.map { ($0 + start).assumingMemoryBound(to: CChar.self) }
                        lengths[index] = ends[index] - start
                        start = ends[index]
                    }
                    return redisAppendCommandArgv(context, Int32(argc), argv.baseAddress, lengths.baseAddress) == REDIS_OK
                }
            }
        }
    }
}
