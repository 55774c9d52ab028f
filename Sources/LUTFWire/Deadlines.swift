import HeapModule
import NIOCore
import Synchronization

/// The deadlines of many waits, served by one timer on an event loop.
///
/// A timer per call costs two wake-ups of the event loop from the caller's thread (arming it and
/// cancelling it when the answer comes first, which is nearly always). Here a call's deadline is
/// an entry in a heap; the one timer is armed for the earliest entry and moved only when a new
/// entry comes before it. Calls made with the same timeout come in deadline order, so in steady
/// state adding one arms nothing and removing one is a dictionary update: an entry whose action is
/// gone is skipped when its time comes.
public final class Deadlines: Sendable {
    private struct Entry: Comparable {
        var at: NIODeadline
        var id: Int
        static func < (a: Entry, b: Entry) -> Bool { a.at < b.at || (a.at == b.at && a.id < b.id) }
    }

    private struct State {
        var heap = Heap<Entry>()
        var actions: [Int: @Sendable () -> Void] = [:]
        var nextID = 1
        var timer: Scheduled<Void>?
        var timerAt: NIODeadline?
    }

    private let state = Mutex(State())
    private let eventLoop: any EventLoop

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// The number of deadlines still to come.
    public var count: Int { state.withLock { $0.actions.count } }

    /// Runs `action` on the event loop `delay` from now (the loop's clock) unless ``remove(_:)``
    /// comes first; returns the entry's id.
    @discardableResult
    public func add(after delay: TimeAmount, _ action: @escaping @Sendable () -> Void) -> Int {
        add(at: eventLoop.now + delay, action)
    }

    /// ``add(after:_:)`` for a timeout in seconds (the wire's unit), at most about 11 days.
    @discardableResult
    public func add(afterSeconds seconds: Double, _ action: @escaping @Sendable () -> Void) -> Int {
        add(after: .nanoseconds(Int64(min(max(seconds, 0), 1e6) * 1e9)), action)
    }

    /// Runs `action` on the event loop at `deadline` unless ``remove(_:)`` comes first; returns
    /// the entry's id.
    @discardableResult
    public func add(at deadline: NIODeadline, _ action: @escaping @Sendable () -> Void) -> Int {
        let (id, rearm) = state.withLock { state -> (Int, Bool) in
            let id = state.nextID
            state.nextID += 1
            state.heap.insert(Entry(at: deadline, id: id))
            state.actions[id] = action
            // Stale entries (removed actions) are dropped now and then, not left to pile up.
            if state.heap.count > 2 * state.actions.count + 1024 {
                state.heap = Heap(state.heap.unordered.filter { state.actions[$0.id] != nil })
            }
            return (id, state.timerAt.map { deadline < $0 } ?? true)
        }
        if rearm { arm() }
        return id
    }

    /// Drops entry `id`; `false` if it has already run (or never was).
    @discardableResult
    public func remove(_ id: Int) -> Bool {
        state.withLock { $0.actions.removeValue(forKey: id) != nil }
    }

    /// Points the timer at the earliest live entry.
    private func arm() {
        let old: Scheduled<Void>? = state.withLock { state in
            while let first = state.heap.min, state.actions[first.id] == nil { state.heap.removeMin() }
            guard let first = state.heap.min else {
                defer { (state.timer, state.timerAt) = (nil, nil) }
                return state.timer
            }
            if let at = state.timerAt, at <= first.at { return nil }
            let previous = state.timer
            state.timerAt = first.at
            state.timer = eventLoop.scheduleTask(deadline: first.at) { [self] in fire() }
            return previous
        }
        old?.cancel()
    }

    /// Runs every action whose time has come, then re-arms for the next.
    private func fire() {
        let now = eventLoop.now
        let due: [@Sendable () -> Void] = state.withLock { state in
            var due: [@Sendable () -> Void] = []
            while let first = state.heap.min, first.at <= now {
                state.heap.removeMin()
                if let action = state.actions.removeValue(forKey: first.id) { due.append(action) }
            }
            (state.timer, state.timerAt) = (nil, nil)
            return due
        }
        for action in due { action() }
        arm()
    }
}
