import Foundation

/// Reads a trained model's JSON file, whose keys are snake_case (they are written by Python).
enum ModelFile {
    static func read<File: Decodable>(_ type: File.Type, path: String) throws -> File {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
