/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven, slicing by 8.
/// A portable fallback until `ember_crc32c` lands in CEmberKernels; same chaining contract:
/// pass the previous value as `crc` (start with 0).
enum CRC32C {
    /// 8 tables of 256 entries, flat: table k at [256 * k]. Table 0 is the byte-wise table;
    /// table k advances a byte's contribution by k more bytes.
    private static let table: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let previous = t[256 * (k - 1) + i]
                t[256 * k + i] = (previous >> 8) ^ t[Int(previous & 0xFF)]
            }
        }
        return t
    }()

    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = ~crc
        Self.table.withUnsafeBufferPointer { t in
            var i = 0
            let n = bytes.count
            while n - i >= 8 {
                let lo = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ c
                let hi = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                c = t[1792 + Int(lo & 0xFF)] ^ t[1536 + Int((lo >> 8) & 0xFF)]
                  ^ t[1280 + Int((lo >> 16) & 0xFF)] ^ t[1024 + Int(lo >> 24)]
                  ^ t[768 + Int(hi & 0xFF)] ^ t[512 + Int((hi >> 8) & 0xFF)]
                  ^ t[256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                i += 8
            }
            while i < n {
                c = (c >> 8) ^ t[Int((c ^ UInt32(bytes[i])) & 0xFF)]
                i += 1
            }
        }
        return ~c
    }

    /// CRC-32C of a whole `.ember` file, with the 4 checksum bytes in the header taken as zero.
    static func ofFile(_ file: UnsafeRawBufferPointer) -> UInt32 {
        let at = FileLayout.checksumOffset
        precondition(file.count >= at + 4)
        var crc = update(0, UnsafeRawBufferPointer(rebasing: file[0..<at]))
        crc = withUnsafeBytes(of: UInt32(0)) { update(crc, $0) }
        return update(crc, UnsafeRawBufferPointer(rebasing: file[(at + 4)...]))
    }
}
