import CEmberKernels

/// CRC-32C (Castagnoli) through `ember_crc32c`, which uses the CPU's CRC32C instructions where
/// present (SSE4.2, ARMv8 CRC) and a table otherwise. Chaining: pass the previous value as `crc`.
enum CRC32C {
    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return ember_crc32c(crc, base, bytes.count)
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
