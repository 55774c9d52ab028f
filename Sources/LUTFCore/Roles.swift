/// Node roles as auster names them.
public enum Roles {
    /// The role auster's conventions give a node named `name` (`mds1` -> MDS, `ost2` -> OSS,
    /// `client1` -> client, `rtr1` -> router), or an empty string.
    public static func derive(fromName name: String) -> String {
        let lower = name.lowercased()
        if lower.hasPrefix("mgs") { return "MGS" }
        if lower.hasPrefix("mds") || lower.hasPrefix("mdt") { return "MDS" }
        if lower.hasPrefix("ost") || lower.hasPrefix("oss") { return "OSS" }
        if lower.contains("client") { return "client" }
        if lower.hasPrefix("rtr") || lower.hasPrefix("router") { return "router" }
        return ""
    }
}
