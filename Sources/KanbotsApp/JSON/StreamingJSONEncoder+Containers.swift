import Foundation

// The `Encoder` side of `StreamingJSONEncoder`: the containers `Codable`
// types write through when they are not `JSONFields`. Each writes straight
// into the encoder's buffer at its depth (see `close(deeperThan:)`).
extension StreamingJSONEncoder {
    // MARK: Encoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        openContainer(UInt8(ascii: "{"), closer: UInt8(ascii: "}"))
        return KeyedEncodingContainer(KeyedContainer<Key>(encoder: self, depth: depth + 1))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        openContainer(UInt8(ascii: "["), closer: UInt8(ascii: "]"))
        return UnkeyedContainer(encoder: self, depth: depth + 1)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleValue(encoder: self, depth: depth) }

    // MARK: Containers

    struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: StreamingJSONEncoder
        let depth: Int
        var codingPath: [any CodingKey] { encoder.codingPath }

        mutating func encodeNil(forKey key: Key) throws {
            try encoder.writeKey(SnakeCase.convert(key.stringValue), depth: depth)
            encoder.writeRaw("null")
        }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try encoder.writeKey(SnakeCase.convert(key.stringValue), depth: depth)
            try encoder.encodeValue(value, depth: depth)
        }

        // Absent values are written as `null`, not left out, so every object
        // of a kind has the same keys (consumers need not guess).
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key)
        }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
            try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key)
        }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
            try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key)
        }
        mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws {
            try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key)
        }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
            try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key)
        }
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
            try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy keyType: NestedKey.Type, forKey key: Key
        ) -> KeyedEncodingContainer<NestedKey> {
            try? encoder.writeKey(SnakeCase.convert(key.stringValue), depth: depth)
            encoder.depth = depth
            return encoder.container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            try? encoder.writeKey(SnakeCase.convert(key.stringValue), depth: depth)
            encoder.depth = depth
            return encoder.unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder { encoder }
        mutating func superEncoder(forKey key: Key) -> any Encoder { encoder }
    }

    struct UnkeyedContainer: UnkeyedEncodingContainer {
        let encoder: StreamingJSONEncoder
        let depth: Int
        private(set) var count = 0
        var codingPath: [any CodingKey] { encoder.codingPath }

        init(encoder: StreamingJSONEncoder, depth: Int) {
            self.encoder = encoder
            self.depth = depth
        }

        mutating func encodeNil() throws {
            encoder.startElement(depth: depth)
            encoder.writeRaw("null")
            count += 1
        }

        mutating func encode<T: Encodable>(_ value: T) throws {
            encoder.startElement(depth: depth)
            try encoder.encodeValue(value, depth: depth)
            count += 1
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            encoder.startElement(depth: depth)
            count += 1
            encoder.depth = depth
            return encoder.container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            encoder.startElement(depth: depth)
            count += 1
            encoder.depth = depth
            return encoder.unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder { encoder }
    }

    struct SingleValue: SingleValueEncodingContainer {
        let encoder: StreamingJSONEncoder
        let depth: Int
        var codingPath: [any CodingKey] { encoder.codingPath }

        mutating func encodeNil() throws { encoder.writeRaw("null") }
        mutating func encode<T: Encodable>(_ value: T) throws { try encoder.encodeValue(value, depth: depth) }
    }
}
