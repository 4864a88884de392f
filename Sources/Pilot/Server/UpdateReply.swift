/// An instruction in the `command` field of the reply to a job update (PANDA.md §6; pilot3
/// `handle_backchannel_command`). The server may send several, comma-separated.
enum BackchannelCommand: Sendable, Equatable, CustomStringConvertible {
    /// Kill the payload now and fail the job with PANDAKILL (1144). Wins over everything else.
    case tobekilled
    /// Event service: finish the events in hand, then stop.
    case softkill
    /// Switch to the short heartbeat and send stdout tails.
    case debug
    /// Back to the normal heartbeat.
    case debugoff
    /// Keep the work directory.
    case nocleanup
    /// Not a command but the server's verdict: the job is already final there; stop updating it.
    case alreadyDone
    /// Not a command but the server's verdict: this update was for another attempt of the job.
    case badAttemptNumber
    /// Anything else (the whitelisted `tail`, `ls`, `ps`, `gdb`, `du` debug commands, new ones).
    case other(String)

    /// The commands in a `command` value: split on commas, blanks and `NULL` dropped.
    static func parse(_ text: String?) -> [BackchannelCommand] {
        guard let text else { return [] }
        return text.split(separator: ",").map { $0.trimmed }.filter { !JobFields.isNothing($0) }.map { token in
            switch token.lowercased() {
            case "tobekilled": .tobekilled
            case "softkill": .softkill
            case "debug": .debug
            case "debugoff": .debugoff
            case "nocleanup": .nocleanup
            case "alreadydone": .alreadyDone
            case "badattemptnr": .badAttemptNumber
            default: .other(token)
            }
        }
    }

    var description: String {
        switch self {
        case .tobekilled: "tobekilled"
        case .softkill: "softkill"
        case .debug: "debug"
        case .debugoff: "debugoff"
        case .nocleanup: "nocleanup"
        case .alreadyDone: "alreadydone"
        case .badAttemptNumber: "badattemptnr"
        case .other(let text): text
        }
    }
}

/// The server's answer to a job update.
struct UpdateReply: Sendable, Equatable {
    /// What the server asks the pilot to do, in the order sent.
    var commands: [BackchannelCommand]
    /// Whether the reply carried `pilotSecrets` (their value is in `pilotSecrets`; never log it).
    var pilotSecrets: JSONValue?
    /// Which API generation answered.
    var api: PandaAPIVersion

    /// The payload must be killed and the job failed with PANDAKILL.
    var mustKill: Bool { commands.contains(.tobekilled) }
    /// Event service: finish the current events, then stop.
    var softKill: Bool { !mustKill && commands.contains(.softkill) }
    /// The server no longer wants updates for this job (already final, or a stale attempt).
    var stopUpdating: Bool { commands.contains(.alreadyDone) || commands.contains(.badAttemptNumber) }
}
