import JSONValues
import JWTKit

/// The payload as plain JSON. jwt-kit checks the signature; `ClaimsValidation` then checks
/// each claim against our own clock, so `verify(using:)` deliberately does nothing.
struct RawPayload: JWTPayload {
    let fields: [String: JSONValue]

    init(from decoder: any Decoder) throws {
        fields = try decoder.singleValueContainer().decode([String: JSONValue].self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(fields)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
