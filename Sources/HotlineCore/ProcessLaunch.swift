import Foundation

/// Starts child processes one at a time within this process. Foundation's `Process.run()` on Linux reads and
/// copies the environment and the file actions while it forks; two threads launching at once have crashed the test
/// process inside `Process.run()` (a bad pointer in `memmove`). Every launch of this codebase goes through here.
public enum ProcessLaunch {
    private static let lock = NSLock()

    /// `process.run()`, alone among this process's launches.
    public static func run(_ process: Process) throws {
        try lock.withLock { try process.run() }
    }
}
