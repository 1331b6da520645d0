// The ZeroMQ authentication protocol (ZAP, RFC 27) for CURVE: libzmq asks a handler bound at
// inproc://zeromq.zap.01 about every connecting peer. This decides from an allow-list of client
// public keys; the daemon's I/O thread owns the REP socket and calls `reply(to:)`.

public struct ZAPAuthenticator: Sendable {
    public static let endpoint = "inproc://zeromq.zap.01"
    /// Z85 public keys; empty allows every CURVE client (it still needs the server's public key).
    public let allowedClients: Set<String>

    public init(allowedClients: Set<String>) {
        self.allowedClients = allowedClients
    }

    /// The reply frames for a ZAP request, and the decision for logging.
    public func reply(to frames: [[UInt8]]) -> (frames: [[UInt8]], allowed: Bool, reason: String) {
        // version, request id, domain, address, routing id, mechanism, credentials...
        guard frames.count >= 6, frames[0] == Array("1.0".utf8) else {
            let id = frames.count > 1 ? frames[1] : []
            return (Self.answer(id, "500", "malformed ZAP request"), false, "malformed ZAP request")
        }
        let id = frames[1]
        let address = String(decoding: frames[3], as: UTF8.self)
        guard frames[5] == Array("CURVE".utf8), frames.count == 7, frames[6].count == 32,
              let key = CurveKeys.z85(frames[6]) else {
            return (Self.answer(id, "400", "CURVE required"), false, "peer \(address): not a CURVE handshake")
        }
        if !allowedClients.isEmpty && !allowedClients.contains(key) {
            return (Self.answer(id, "400", "client key not allowed"), false, "peer \(address): client key \(key) is not in curve_allowed_clients")
        }
        return (Self.answer(id, "200", "OK", userID: key), true, "peer \(address): client key \(key) allowed")
    }

    private static func answer(_ id: [UInt8], _ status: String, _ text: String, userID: String = "") -> [[UInt8]] {
        [Array("1.0".utf8), id, Array(status.utf8), Array(text.utf8), Array(userID.utf8), []]
    }
}
