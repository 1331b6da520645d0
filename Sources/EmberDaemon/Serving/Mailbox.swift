// How other threads hand work to the I/O thread, which alone owns the ZeroMQ sockets: they post
// a message here and the wake-up pipe (polled next to the sockets) wakes the I/O thread.
import EmberTransport

enum MailboxMessage: Sendable {
    /// A worker's reply to an infer request, to send on router `socket` to `envelope`.
    case reply(socket: Int, envelope: [[UInt8]], frames: [[UInt8]])
    case signal(DaemonSignal)
    /// A reload ended; the reply (when a client asked) and the events to publish.
    case reloadFinished(reply: (socket: Int, envelope: [[UInt8]], frames: [[UInt8]])?, events: [Event])
    /// An event from another thread (a trigger's result, a governor event) for the PUB socket.
    case publish(Event)
    /// A worker found `model`'s file changed on disk (`model_changed`): reload it.
    case modelFileChanged(model: String, generation: Int, message: String)
}

struct Event: Sendable {
    let topic: String
    let fields: [(String, JSONValue)]
    /// Binary frames after the JSON frame (a trigger result's embedding or raw tensor).
    var payloads: [[UInt8]] = []
}

final class Mailbox: @unchecked Sendable {
    private let lock = ConditionLock()
    private var messages: [MailboxMessage] = []
    let pipe: WakeupPipe

    init() throws(SystemError) {
        pipe = try WakeupPipe()
    }

    func post(_ message: MailboxMessage) {
        let wasEmpty = lock.withLock { () -> Bool in
            let wasEmpty = messages.isEmpty
            messages.append(message)
            return wasEmpty
        }
        // Only the first message of a batch needs a wake-up; the reader takes them all.
        if wasEmpty { pipe.wake() }
    }

    func takeAll() -> [MailboxMessage] {
        pipe.drain()
        return lock.withLock {
            let taken = messages
            messages.removeAll(keepingCapacity: true)
            return taken
        }
    }
}
