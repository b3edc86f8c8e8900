import Logging
import Wire

/// Runs a storage call for a request: a storage failure is logged with what was attempted and the
/// client gets `internal`, never the database's message.
func storeCall<T>(
    _ logger: Logger, _ what: String, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
) async throws(RequestError) -> T {
    do {
        return try await body()
    } catch {
        logger.error("\(what) failed", metadata: ["error": "\(error)"])
        throw .internalError
    }
}
