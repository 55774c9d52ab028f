import LUTFWire
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

/// Many deadlines on one timer, in the virtual time of an embedded event loop.
@Suite("deadlines on one timer", .timeLimit(.minutes(1)))
struct DeadlinesTests {
    final class Fired: Sendable {
        private let names = Mutex<[String]>([])
        func add(_ name: String) { names.withLock { $0.append(name) } }
        var all: [String] { names.withLock { $0 } }
    }

    @Test("each action runs at its deadline, in deadline order, and not before")
    func order() {
        let loop = EmbeddedEventLoop()
        let deadlines = Deadlines(eventLoop: loop)
        let fired = Fired()
        deadlines.add(after: .seconds(3)) { fired.add("c") }
        deadlines.add(after: .seconds(1)) { fired.add("a") }  // earlier than the armed timer
        deadlines.add(after: .seconds(2)) { fired.add("b") }
        loop.advanceTime(by: .milliseconds(999))
        #expect(fired.all.isEmpty)
        loop.advanceTime(by: .milliseconds(1))
        #expect(fired.all == ["a"])
        loop.advanceTime(by: .seconds(2))
        #expect(fired.all == ["a", "b", "c"])
        #expect(deadlines.count == 0)
    }

    @Test("a removed deadline never runs, whether it was the earliest or not")
    func removal() {
        let loop = EmbeddedEventLoop()
        let deadlines = Deadlines(eventLoop: loop)
        let fired = Fired()
        let first = deadlines.add(after: .seconds(1)) { fired.add("first") }
        let middle = deadlines.add(after: .seconds(2)) { fired.add("middle") }
        deadlines.add(after: .seconds(3)) { fired.add("last") }
        #expect(deadlines.remove(first))
        #expect(deadlines.remove(middle))
        #expect(!deadlines.remove(middle), "removed twice")
        loop.advanceTime(by: .seconds(2))
        #expect(fired.all.isEmpty)
        loop.advanceTime(by: .seconds(1))
        #expect(fired.all == ["last"])
    }

    @Test("100,000 calls answered before their deadlines leave nothing to run, and a later one still runs")
    func steadyState() {
        let loop = EmbeddedEventLoop()
        let deadlines = Deadlines(eventLoop: loop)
        let fired = Fired()
        for i in 0..<100_000 {
            let id = deadlines.add(after: .seconds(10)) { fired.add("stale \(i)") }
            deadlines.remove(id)
            if i % 1000 == 0 { loop.advanceTime(by: .milliseconds(1)) }
        }
        #expect(deadlines.count == 0)
        deadlines.add(after: .seconds(5)) { fired.add("live") }
        loop.advanceTime(by: .seconds(20))
        #expect(fired.all == ["live"])
    }
}
