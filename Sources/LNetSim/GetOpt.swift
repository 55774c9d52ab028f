/// A small `getopt_long` with glibc's messages, for the simulated tools' subcommands.
struct GetOpt {
    enum Argument {
        case none
        case required
    }

    struct Option {
        var long: String
        var short: Character?
        var argument: Argument

        init(_ long: String, _ short: Character? = nil, _ argument: Argument = .required) {
            self.long = long
            self.short = short
            self.argument = argument
        }
    }

    /// Parsed options (by long name, in order, repeats kept) and positional arguments.
    struct Result {
        var options: [(String, String?)] = []
        var positional: [String] = []

        func has(_ name: String) -> Bool { options.contains { $0.0 == name } }
        func value(_ name: String) -> String? { options.last { $0.0 == name }?.1 }
        func values(_ name: String) -> [String] { options.filter { $0.0 == name }.compactMap(\.1) }
    }

    /// A glibc getopt message: `show: unrecognized option '--foo'`.
    struct Failure: Error {
        var message: String
    }

    var program: String
    var options: [Option]

    /// Parses `args` (glibc permutes: options anywhere, `--` ends them). The verbose option
    /// (`-v`/`--verbose`) takes a following number as its level, as lnetctl does.
    func parse(_ args: [String]) -> Swift.Result<Result, Failure> {
        var result = Result()
        var i = 0
        while i < args.count {
            let arg = args[i]
            i += 1
            if arg == "--" {
                result.positional += args[i...]
                break
            }
            if arg.hasPrefix("--") && arg.count > 2 {
                let body = arg.dropFirst(2)
                let name = String(body.split(separator: "=", maxSplits: 1).first ?? "")
                let inline = body.contains("=") ? String(body.split(separator: "=", maxSplits: 1)[1]) : nil
                let matches = options.filter { $0.long == name }
                let prefixMatches = matches.isEmpty ? options.filter { $0.long.hasPrefix(name) } : matches
                guard prefixMatches.count == 1 || matches.count == 1, let option = matches.first ?? prefixMatches.first
                else {
                    if prefixMatches.count > 1 {
                        return .failure(Failure(message: "\(program): option '\(arg)' is ambiguous"))
                    }
                    return .failure(Failure(message: "\(program): unrecognized option '\(arg)'"))
                }
                switch option.argument {
                case .none:
                    if option.long == "verbose" && inline != nil {
                        // An optional argument: getopt accepts `--verbose=N`, and lnetctl then
                        // reads level 1 whatever N is.
                        result.options.append((option.long, "1"))
                    } else if inline != nil {
                        return .failure(
                            Failure(message: "\(program): option '--\(option.long)' doesn't allow an argument"))
                    } else if option.long == "verbose" {
                        result.options.append((option.long, level(args, &i)))
                    } else {
                        result.options.append((option.long, nil))
                    }
                case .required:
                    if let inline {
                        result.options.append((option.long, inline))
                    } else if i < args.count {
                        result.options.append((option.long, args[i]))
                        i += 1
                    } else {
                        return .failure(Failure(message: "\(program): option '--\(option.long)' requires an argument"))
                    }
                }
            } else if arg.hasPrefix("-") && arg.count > 1 && !(Int(arg) != nil) {
                var chars = Array(arg.dropFirst())
                while !chars.isEmpty {
                    let c = chars.removeFirst()
                    guard let option = options.first(where: { $0.short == c }) else {
                        return .failure(Failure(message: "\(program): invalid option -- '\(c)'"))
                    }
                    switch option.argument {
                    case .none:
                        if option.long == "verbose" {
                            result.options.append((option.long, chars.isEmpty ? level(args, &i) : "1"))
                        } else {
                            result.options.append((option.long, nil))
                        }
                    case .required:
                        if !chars.isEmpty {
                            result.options.append((option.long, String(chars)))
                            chars = []
                        } else if i < args.count {
                            result.options.append((option.long, args[i]))
                            i += 1
                        } else {
                            return .failure(Failure(message: "\(program): option requires an argument -- '\(c)'"))
                        }
                    }
                }
            } else {
                result.positional.append(arg)
            }
        }
        return .success(result)
    }

    private func level(_ args: [String], _ i: inout Int) -> String {
        if i < args.count, Int(args[i]) != nil {
            i += 1
            return args[i - 1]
        }
        return "1"
    }
}

/// C's `strtol(text, 0)`: decimal, `0x` hex, leading-0 octal; `nil` for trailing junk.
func strtolStrict(_ text: String) -> Int? {
    var s = Substring(text.trimmingCharacters(in: .whitespaces))
    var negative = false
    if s.hasPrefix("-") {
        negative = true
        s = s.dropFirst()
    } else if s.hasPrefix("+") {
        s = s.dropFirst()
    }
    guard !s.isEmpty else { return nil }
    let value: Int?
    if s.hasPrefix("0x") || s.hasPrefix("0X") {
        value = Int(s.dropFirst(2), radix: 16)
    } else if s.hasPrefix("0") && s.count > 1 {
        value = Int(s.dropFirst(), radix: 8)
    } else {
        value = Int(s)
    }
    return value.map { negative ? -$0 : $0 }
}
