import Foundation
import LUTFCore
import ZIPFoundation

/// The zipped results of a run (the design document's "zipped results").
public enum ResultsBundle {
    public static let fileName = "results.zip"

    /// Zips everything in `directory` (except an earlier bundle) into `directory/results.zip`
    /// and returns its path.
    @discardableResult
    public static func create(for directory: String) throws -> String {
        let fm = FileManager.default
        let target = directory + "/" + fileName
        let staging = NSTemporaryDirectory() + "lutf-bundle-\(HostInfo.randomToken(bytes: 6)).zip"
        try? fm.removeItem(atPath: target)
        do {
            try fm.zipItem(
                at: URL(fileURLWithPath: directory), to: URL(fileURLWithPath: staging), shouldKeepParent: true,
                compressionMethod: .deflate)
            try fm.moveItem(atPath: staging, toPath: target)
        } catch {
            try? fm.removeItem(atPath: staging)
            let posix = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError).map {
                String(cString: strerror(Int32($0.code)))
            }
            throw LUTFError(
                .io, "cannot zip \(directory) into \(target): \(posix ?? "the archive could not be written")")
        }
        return target
    }
}
