import PrimYAML

/// Finds the first byte that is not valid UTF-8, as a line and column.
enum UTF8Check {
    static func firstInvalid(_ bytes: [UInt8]) -> Mark? {
        var line = 1, column = 1, index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let length: Int
            switch byte {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return Mark(line: line, column: column)
            }
            if index + length > bytes.count { return Mark(line: line, column: column) }
            for offset in 1..<length where bytes[index + offset] & 0xC0 != 0x80 {
                return Mark(line: line, column: column)
            }
            if length == 3 {
                let code = (Int(byte & 0x0F) << 12) | (Int(bytes[index + 1] & 0x3F) << 6)
                if code < 0x800 || (0xD800...0xDFFF).contains(code) { return Mark(line: line, column: column) }
            }
            if length == 4 {
                let code = (Int(byte & 0x07) << 18) | (Int(bytes[index + 1] & 0x3F) << 12)
                if code < 0x10000 || code > 0x10FFFF { return Mark(line: line, column: column) }
            }
            if byte == 0x0A { line += 1; column = 1 } else { column += 1 }
            index += length
        }
        return nil
    }
}
