import Foundation
import Testing
@testable import Pilot

@Suite("dirq QueueSimple writer")
struct DirqQueueTests {
    @Test("element names are dirq's: minute directory and %08x%05x%01x")
    func naming() {
        let element = DirqElement(seconds: 0x6b0a_c193, microseconds: 0x14212, random: 0xf)
        #expect(element.description == "6b0ac18c/6b0ac19314212f")
        #expect(DirqElement.isDirectoryName(element.directory))
        #expect(DirqElement.isElementName(element.name))
        let small = DirqElement(seconds: 61, microseconds: 5, random: 0)
        #expect(small.description == "0000003c/0000003d000050")
        #expect(!DirqElement.isElementName("6B0AC19314212F"))
        #expect(DirqElement.isElementName(DirqElement.now().name))
    }

    @Test("add writes the exact bytes atomically and leaves no temporary file")
    func add() throws {
        let scratch = try ScratchDirectory("dirq")
        let queue = DirqQueue(path: scratch("queue"))
        let element = DirqElement(seconds: 1_795_824_000, microseconds: 1, random: 3)
        let bytes = Array(AccountingSamples.referenceJobMessage.utf8)
        #expect(try queue.add(bytes, as: element))
        #expect(AccountingSamples.files(in: queue.path) == [element.description])
        #expect(FileManager.default.contents(atPath: queue.path(of: element)) == Data(bytes))
        // Again: already there, nothing added.
        #expect(try queue.add(bytes, as: element))
        #expect(AccountingSamples.files(in: queue.path) == [element.description])
        // Another writer's element under that name is never overwritten.
        #expect(try queue.add(Array("other".utf8), as: element) == false)
        #expect(FileManager.default.contents(atPath: queue.path(of: element)) == Data(bytes))
    }

    @Test("a killed writer's temporary file is replaced, or removed once the element is linked")
    func leftovers() throws {
        let scratch = try ScratchDirectory("dirq")
        let queue = DirqQueue(path: scratch("queue"))
        let bytes = Array("APEL-sync-message: v0.1\nSite: S\nNumberOfJobs: 1\nMonth: 10\nYear: 2026\n%%\n".utf8)
        // Killed before link: a partial temporary file.
        let first = DirqElement(seconds: 1_795_824_000, microseconds: 2, random: 0)
        try scratch.write("queue/\(first.directory)/\(first.name).tmp", "APEL-sync-mess")
        #expect(try queue.add(bytes, as: first))
        // Killed between link and unlink: the temporary file is a second link to the element.
        let second = DirqElement(seconds: 1_795_824_000, microseconds: 3, random: 0)
        try scratch.write("queue/\(second.directory)/\(second.name).tmp", String(decoding: bytes, as: UTF8.self))
        try FileManager.default.linkItem(atPath: queue.path(of: second) + ".tmp", toPath: queue.path(of: second))
        #expect(try queue.add(bytes, as: second))
        #expect(AccountingSamples.files(in: queue.path) == [first.description, second.description])
    }

    @Test("steps are reported in order, so the crash hook can stop at each")
    func steps() throws {
        let scratch = try ScratchDirectory("dirq")
        var seen: [DirqQueue.Step] = []
        #expect(try DirqQueue(path: scratch("q")).add([0x41], as: DirqElement.now()) { seen.append($0) })
        #expect(seen == [.temporaryWritten, .linked, .temporaryRemoved])
    }

    @Test("Python dirq reads the pilot's elements as ssmsend does, in order, beside its own",
          .enabled(if: DirqPython.isUsable, "\(DirqPython.skipReason ?? "")"))
    func pythonReadsBack() throws {
        let scratch = try ScratchDirectory("dirq")
        let queue = DirqQueue(path: scratch("queue"))
        let messages = (1...3).map { AccountingSamples.jobMessage(AccountingSamples.facts(id: "70000\($0)")) }
        var ids: [String] = []
        for (offset, message) in messages.enumerated() {
            let element = DirqElement(seconds: 1_795_824_000 + Int64(offset) * 61, microseconds: offset, random: 1)
            #expect(try queue.add(Array(message.utf8), as: element))
            ids.append(element.description)
        }
        let dirqID = try DirqPython.add(queue.path, text: "added by dirq itself")
        let listing = try DirqPython.read(queue.path)
        #expect(listing.count == 4)
        #expect(listing.elements.map(\.id) == ids + [dirqID])
        #expect(listing.elements.prefix(3).map(\.text) == messages)
        for element in listing.elements.prefix(3) { try APELFormatChecker.check(element.text) }
        // ssmsend removes what it sent and purges; nothing of ours is left to resend.
        let sent = try DirqPython.read(queue.path, consume: true)
        #expect(sent.elements.count == 4)
        #expect(try DirqPython.read(queue.path).count == 0)
    }
}
