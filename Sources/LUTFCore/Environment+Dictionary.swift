import Subprocess

extension Subprocess.Environment {
    /// Exactly the variables of `variables`, nothing inherited.
    public static func exactly(_ variables: [String: String]) -> Self {
        var keyed: [Key: String] = [:]
        for (name, value) in variables {
            if let key = Key(rawValue: name) { keyed[key] = value }
        }
        return .custom(keyed)
    }
}
