import Foundation

extension LNetCtl {
    static let pingHelp =
        "ping nid[,nid,...]\n\t --source: source nid\n\t --timeout: ping timeout\n\t --help: display this help\n"
    static let discoverHelp = "discover nid[,nid,...]\n\t --force: force discovery\n\t --help: display this help\n"

    /// `lnetctl ping` and `lnetctl discover`.
    mutating func ping(_ args: [String], discover: Bool) throws -> Int {
        let word = discover ? "discover" : "ping"
        let options: [GetOpt.Option] =
            discover
            ? [.init("force", "f", .none), .init("help", "h", .none)]
            : [.init("timeout", "t"), .init("source", "s"), .init("help", "h", .none)]
        let p: GetOpt.Result
        switch GetOpt(program: word, options: options).parse(args) {
        case .failure(let f):
            out.stderr += f.message + "\n"
            return 0
        case .success(let r): p = r
        }
        if p.has("help") {
            out.stdout += discover ? Self.discoverHelp : Self.pingHelp
            return 0
        }
        if discover && p.positional.isEmpty {
            out.stdout += "Missing nid argument\n"
            return -1
        }
        var targets: [String] = []
        for arg in p.positional {
            do {
                targets += try NIDList.expand(arg)
            } catch {
                return netlinkError("manage", word, error.errno, error.message)
            }
        }
        let state = node.load()
        guard state.configured else { return netlinkError("manage", word, -100, "Network is down") }
        let timeout = p.value("timeout").flatMap(Double.init).map { $0 > 0 && $0 < 180 ? $0 : 180 } ?? 180
        let source = p.value("source").flatMap { try? NID(parsing: $0) }
        let fabric = Fabric(node: node)
        var items: [YTree] = []
        var failures: [YTree] = []
        for text in targets {
            guard let target = try? NID(parsing: text) else {
                failures.append(
                    failure(
                        word, -22,
                        discover ? "cannot parse NID '\(text)'" : "failed to \(word) \(text): Invalid argument"))
                continue
            }
            let result = try fabric.ping(target, source: source, timeout: timeout, discover: discover)
            if let (errno, text) = result.failure {
                failures.append(failure(word, errno, "failed to \(word) \(target): \(text)"))
                continue
            }
            let after = node.load()
            let peer = after.peerIndex(containing: target).map { after.peers[$0] }
            let listed: [NID] = discover ? (peer?.orderedNIs.map(\.nid) ?? [target]) : result.reply
            // Both name the primary NID of the peer holding the target (a ping's own new peer
            // has the pinged NID as its primary).
            let primary = peer?.primary.description ?? (discover ? "<?>" : target.description)
            items.append(
                .map([
                    ("primary nid", .plain(primary)),
                    ("Multi-Rail", .bool(peer?.multiRail ?? false)),
                    ("peer_ni", .seq(listed.map { .map([("nid", .plain($0.description))]) })),
                ]))
        }
        var document: [(String, YTree)] = []
        if !items.isEmpty { document.append((word, .seq(items))) }
        if !failures.isEmpty { document.append(("manage", .seq(failures))) }
        if !document.isEmpty { out.stdout += YAMLPrinter.libyaml(document, indent: 2) }
        return failures.isEmpty ? 0 : -1
    }

    private func failure(_ word: String, _ errno: Int, _ descr: String) -> YTree {
        .map([(word, .empty), ("errno", .int(errno)), ("descr", .scalar(descr, .taggedSingle))])
    }
}
