/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven, slicing by 8.
/// A portable fallback until `ember_crc32c` lands in CEmberKernels; same chaining contract:
/// pass the previous value as `crc` (start with 0).
enum CRC32C {
    private static let tables: [[UInt32]] = {
        var t = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[0][i] = c
        }
        for i in 0..<256 {
            for k in 1..<8 { t[k][i] = (t[k - 1][i] >> 8) ^ t[0][Int(t[k - 1][i] & 0xFF)] }
        }
        return t
    }()

    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = ~crc
        let tables = Self.tables
        tables[0].withUnsafeBufferPointer { t0 in
        tables[1].withUnsafeBufferPointer { t1 in
        tables[2].withUnsafeBufferPointer { t2 in
        tables[3].withUnsafeBufferPointer { t3 in
        tables[4].withUnsafeBufferPointer { t4 in
        tables[5].withUnsafeBufferPointer { t5 in
        tables[6].withUnsafeBufferPointer { t6 in
        tables[7].withUnsafeBufferPointer { t7 in
            var i = 0
            let n = bytes.count
            while n - i >= 8 {
                let lo = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ c
                let hi = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                c = t7[Int(lo & 0xFF)] ^ t6[Int((lo >> 8) & 0xFF)] ^ t5[Int((lo >> 16) & 0xFF)] ^ t4[Int(lo >> 24)]
                  ^ t3[Int(hi & 0xFF)] ^ t2[Int((hi >> 8) & 0xFF)] ^ t1[Int((hi >> 16) & 0xFF)] ^ t0[Int(hi >> 24)]
                i += 8
            }
            while i < n {
                c = (c >> 8) ^ t0[Int((c ^ UInt32(bytes[i])) & 0xFF)]
                i += 1
            }
        }}}}}}}}
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
