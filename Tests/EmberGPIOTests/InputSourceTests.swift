import Testing
import EmberGPIO
import EmberTransport
#if canImport(Glibc)
import Glibc
#endif

@Suite struct CommandInputSourceTests {
    @Test func stdoutIsTheInput() throws {
        let source = CommandInputSource(argv: ["printf", "\\377\\330img"], timeoutMs: 5000, maxBytes: 1024)
        #expect(try source.read().bytes == [0xFF, 0xD8] + Array("img".utf8))
    }

    @Test func nonZeroExitIsAnErrorQuotingStderr() {
        let source = CommandInputSource(argv: ["sh", "-c", "echo partial; echo 'camera not found' >&2; exit 3"],
                                        timeoutMs: 5000, maxBytes: 1024)
        #expect { try source.read() } throws: { error in
            let text = "\(error)"
            return text.contains("exited with status 3") && text.contains("camera not found") && text.contains("command sh")
        }
    }

    @Test func timeoutKillsTheWholeProcessGroupPromptly() {
        // The grandchild keeps stdout open: only killing the group ends it.
        let source = CommandInputSource(argv: ["sh", "-c", "sleep 30 & sleep 30"], timeoutMs: 200, maxBytes: 1024)
        let start = nowNs()
        #expect { try source.read() } throws: { "\($0)".contains("timed out after 200 ms") }
        let took = (nowNs() - start) / ms
        #expect(took >= 200 && took < 2000, "took \(took) ms")
    }

    @Test func oversizedOutputIsRefused() {
        let source = CommandInputSource(argv: ["head", "-c", "5000", "/dev/zero"], timeoutMs: 5000, maxBytes: 4096)
        #expect { try source.read() } throws: { "\($0)".contains("larger than source_max_bytes (4096)") }
    }

    @Test func emptyOutputAndMissingProgramAreErrors() {
        #expect { try CommandInputSource(argv: ["true"], timeoutMs: 5000, maxBytes: 16).read() } throws: {
            "\($0)".contains("wrote nothing")
        }
        #expect { try CommandInputSource(argv: ["/nonexistent/ember-cam"], timeoutMs: 5000, maxBytes: 16).read() } throws: {
            // glibc reports the failed exec; where it cannot (qemu-user), the child exits 127.
            "\($0)".contains("cannot start /nonexistent/ember-cam") || "\($0)".contains("status 127 (command not found")
        }
    }

    @Test func abortKillsARunningCommandAndRefusesLaterReads() throws {
        let idle = CommandInputSource(argv: ["true"], timeoutMs: 5000, maxBytes: 16)
        #expect(idle.abort() == nil, "nothing was running")
        #expect { try idle.read() } throws: { "\($0)".contains("not run: emberd is stopping") }

        // The grandchild keeps stdout open: only killing the group ends the read.
        let marker = "/tmp/ember-abort-test-\(getpid())"
        defer { unlink(marker) }
        let source = CommandInputSource(argv: ["sh", "-c", "touch '\(marker)'; sleep 30 & sleep 30"], timeoutMs: 60_000, maxBytes: 1024)
        let reader = try WorkerThread(name: "test-read") {
            #expect { try source.read() } throws: { "\($0)".contains("killed: emberd is stopping") }
        }
        let start = nowNs()
        while access(marker, F_OK) != 0 && nowNs() - start < 5000 * ms { sleepMs(10) }
        let ended = source.abort()
        reader.join()
        #expect(ended?.hasPrefix("killed its command sh (process group ") == true, "\(ended ?? "nil")")
        let took = (nowNs() - start) / ms
        #expect(took < 3000, "took \(took) ms")
        #expect { try source.read() } throws: { "\($0)".contains("not run: emberd is stopping") }
    }

    @Test func killedBySignalIsReported() {
        let source = CommandInputSource(argv: ["sh", "-c", "kill -9 $$"], timeoutMs: 5000, maxBytes: 16)
        #expect { try source.read() } throws: { "\($0)".contains("killed by signal 9") }
    }
}

@Suite struct FileInputSourceTests {
    @Test func rereadsTheFileAtEveryRead() throws {
        let path = tempDirectory() + "/cam.jpg"
        writeFile(path, [1, 2])
        let source = FileInputSource(path: path, maxBytes: 100)
        #expect(try source.read().bytes == [1, 2])
        writeFile(path, [3])
        #expect(try source.read().bytes == [3])
    }

    @Test func errorsNameTheFile() {
        let dir = tempDirectory()
        writeFile(dir + "/big", [UInt8](repeating: 7, count: 300))
        writeFile(dir + "/empty", [])
        #expect { try FileInputSource(path: dir + "/big", maxBytes: 200).read() } throws: { "\($0)".contains("\(dir)/big: larger than") }
        #expect { try FileInputSource(path: dir + "/empty", maxBytes: 200).read() } throws: { "\($0)".contains("file is empty") }
        #expect { try FileInputSource(path: dir + "/none", maxBytes: 200).read() } throws: { "\($0)".contains("No such file") }
    }
}

/// A real libzmq PUB socket in the test, the source subscribed over ipc.
@Suite struct ZeroMQFrameSourceTests {
    final class Publisher {
        let context: ZMQContext
        let socket: ZMQSocket
        init(_ endpoint: String) throws {
            context = try ZMQContext()
            socket = try ZMQSocket(context, .pub)
            try socket.setLinger(milliseconds: 0)
            try socket.bind(endpoint)
        }
        func send(_ frames: [[UInt8]]) { _ = try? socket.send(frames) }
        deinit { socket.close(); context.terminate() }
    }

    @Test func keepsOnlyTheNewestFrame() throws {
        let endpoint = "ipc://\(tempDirectory())/frames"
        let publisher = try Publisher(endpoint)
        let source = try ZeroMQFrameSource(endpoint: endpoint, topic: "cam", maxAgeMs: 0, maxBytes: 1 << 20)
        defer { source.close() }
        #expect { try source.read() } throws: { "\($0)".contains("no frame received yet") }

        // The slow joiner: publish until the subscription is through.
        #expect(waitUntil { publisher.send([Array("cam".utf8), [0]]); return source.receivedCount > 0 })
        for i in 1...200 { publisher.send([Array("cam".utf8), Array("header".utf8), [UInt8(i)]]) }
        publisher.send([Array("other".utf8), [99]])   // not subscribed
        #expect(waitUntil { (try? source.read().bytes) == [200] })
        let frame = try source.read()
        #expect(frame.leadingFrames == [Array("cam".utf8), Array("header".utf8)])
    }

    @Test func staleFramesAreAnError() throws {
        let endpoint = "ipc://\(tempDirectory())/frames"
        let publisher = try Publisher(endpoint)
        let source = try ZeroMQFrameSource(endpoint: endpoint, topic: "", maxAgeMs: 100, maxBytes: 1 << 20)
        defer { source.close() }
        #expect(waitUntil { publisher.send([[1]]); return source.receivedCount > 0 })
        sleepMs(250)
        #expect { try source.read() } throws: { "\($0)".contains("source_max_age_ms = 100") }
    }

    @Test func badEndpointIsNamed() {
        #expect { try ZeroMQFrameSource(endpoint: "carrier-pigeon://x", topic: "", maxAgeMs: 0, maxBytes: 10) } throws: {
            "\($0)".contains("carrier-pigeon://x")
        }
    }
}
