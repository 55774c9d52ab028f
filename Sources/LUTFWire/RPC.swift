import LUTFCore
import OrderedCollections

/// Building and reading the `rpc:` blocks of RPC_REQUEST and RPC_RESPONSE frames.
///
/// A request carries the design document's keys (`dst`, `src`, `type`, `script`, `class`,
/// `method`/`fname`, `parameters`) plus `id` and `deadline` (seconds the caller will wait,
/// counted from receipt). A response has the same `id` and `type` `results` (value in
/// `results.return_code`), `exception` (a raised exception: `exception.{type, message,
/// traceback}`) or `failure` (LUTF could not make the call: `error.{code, message}`).
public enum RPC {
    /// Where a response holds the called function's value: what the master passes on to the
    /// script without looking inside.
    public static let resultPath = ["rpc", "results", "return_code", "value"]

    /// The response to `request` with `result`.
    public static func response(to request: Value, from source: String, result: Result<Value, LUTFError>) -> Message {
        var fields: OrderedDictionary<String, Value> = [
            "id": request["rpc"]?["id"] ?? .null,
            "dst": request["rpc"]?["src"] ?? .null,
            "src": .string(source),
        ]
        switch result {
        case .success(let value):
            fields["type"] = "results"
            var results: OrderedDictionary<String, Value> = [:]
            if let script = request["rpc"]?["script"] { results["script"] = script }
            results["return_code"] = value
            fields["results"] = .map(results)
        case .failure(let error) where error.code == .remote:
            fields["type"] = "exception"
            var exception: OrderedDictionary<String, Value> = [
                "type": error.details["remote_type"] ?? "Exception",
                "message": error.details["remote_message"] ?? .string(error.message),
                "traceback": error.details["remote_traceback"] ?? "",
                "node": error.details["node"] ?? .string(source),
            ]
            if let output = error.details["output"] { exception["output"] = output }
            if let attributes = error.details["remote_attributes"] { exception["attributes"] = attributes }
            if let tools = error.details["tools"] { exception["tools"] = tools }
            fields["exception"] = .map(exception)
        case .failure(let error):
            fields["type"] = "failure"
            fields["error"] = error.value
        }
        return Message(.rpcResponse, ["rpc": .map(fields)])
    }

    /// The response to `request` with `result`, encoded by the caller (see
    /// ``Message/encoded(limit:)``); a value over `limit` bytes is answered with that failure.
    public static func response(
        to request: Value, from source: String, result: Result<Value, LUTFError>, limit: Int
    ) -> Message {
        let message = response(to: request, from: source, result: result)
        do {
            return try message.encoded(limit: limit)
        } catch {
            return response(to: request, from: source, result: .failure(error))
        }
    }

    /// The outcome a response carries.
    public static func outcome(of response: Value, peer: String) -> Result<Value, LUTFError> {
        guard let fields = response["rpc"] else {
            return .failure(LUTFError(.protocolViolation, "RPC response from \(peer) has no 'rpc' block"))
        }
        switch fields["type"]?.stringValue {
        case "results", "response":
            return .success(fields["results"]?["return_code"] ?? .null)
        case "exception":
            let exception = fields["exception"] ?? [:]
            let node = exception["node"]?.stringValue ?? fields["src"]?.stringValue ?? peer
            let type = exception["type"]?.stringValue ?? "Exception"
            let message = exception["message"]?.stringValue ?? ""
            var details: OrderedDictionary<String, Value> = [
                "node": .string(node), "remote_type": .string(type), "remote_message": .string(message),
                "remote_traceback": exception["traceback"] ?? "",
            ]
            if let output = exception["output"] { details["output"] = output }
            if let attributes = exception["attributes"] { details["remote_attributes"] = attributes }
            if let tools = exception["tools"] { details["tools"] = tools }
            let text = message.isEmpty ? "\(type) on \(node)" : "\(type) on \(node): \(message)"
            return .failure(LUTFError(.remote, text, details: details))
        case "failure":
            return .failure(LUTFError(value: fields["error"] ?? [:]))
        default:
            return .failure(
                LUTFError(
                    .protocolViolation,
                    "RPC response from \(peer) has unknown type '\(fields["type"]?.plainText ?? "")'"))
        }
    }
}
