import Foundation
import Wire

/// Decodes a JSON request body, turning decoding failures into `bad_request` errors that name the field.
enum JSONBody {
    static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws(RequestError) -> T {
        guard !body.isEmpty else { throw .badRequest("send a JSON object as the body") }
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch let DecodingError.keyNotFound(key, _) {
            throw .badRequest("missing field '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(expected, context) {
            throw .badRequest("field '\(path(context))' must be \(describe(expected))")
        } catch let DecodingError.valueNotFound(expected, context) {
            throw .badRequest("field '\(path(context))' must be \(describe(expected)), not null")
        } catch {
            throw .badRequest("the body is not valid JSON")
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map(\.stringValue).joined(separator: ".")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int64.Type, is Int.Type: "an integer"
        case is Bool.Type: "true or false"
        default: "an object"
        }
    }
}
