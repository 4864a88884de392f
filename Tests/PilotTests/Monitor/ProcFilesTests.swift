#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Pilot

@Suite("/proc stat, status, smaps_rollup and io parsers")
struct ProcFilesTests {
    @Test("a captured stat line gives its CPU ticks, threads, start time and sizes")
    func pythonStat() throws {
        let stat = try ProcStat.parse(ProcCaptures.pythonStat)
        #expect(stat.pid == 600)
        #expect(stat.command == "python3")
        #expect(stat.state == "R")
        #expect(stat.parentPID == 574)
        #expect(stat.userTicks == 49)
        #expect(stat.systemTicks == 3)
        #expect(stat.childrenUserTicks == 4)
        #expect(stat.childrenSystemTicks == 1)
        #expect(stat.totalTicks == 57)
        #expect(stat.threads == 4)
        #expect(stat.startTicks == 1_018_407)
        #expect(stat.virtualBytes == 295_968_768)
        #expect(stat.residentPages == 16170)
        #expect(!stat.isZombie)
    }

    @Test("a command with spaces and parentheses does not shift the fields after it")
    func parenthesizedCommand() throws {
        let stat = try ProcStat.parse(ProcCaptures.parenthesizedCommandStat)
        #expect(stat.command == "we (ird) n")
        #expect(stat.state == "S")
        #expect(stat.parentPID == 1)
        #expect(stat.threads == 1)
        #expect(stat.startTicks == 1_018_375)
        #expect(stat.virtualBytes == 2_990_080)
    }

    @Test("a comm that is only parentheses and a closing one at its end", arguments: [
        ("7 ()) Z 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 99 0 0", ")", Character("Z")),
        ("8 (a) (b) S 2 8 8 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 0 0", "a) (b", Character("S")),
    ])
    func oddCommands(line: String, command: String, state: Character) throws {
        let stat = try ProcStat.parse(line)
        #expect(stat.command == command)
        #expect(stat.state == state)
        #expect(stat.startTicks == 99)
    }

    @Test("zombies are recognised and keep their CPU")
    func zombie() throws {
        let stat = try ProcStat.parse("7 (sh) Z 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 99 0 0")
        #expect(stat.isZombie)
        #expect(stat.totalTicks == 7)
    }

    @Test("broken stat lines are rejected with what is wrong")
    func malformedStat() {
        #expect(throws: ProcStat.ParseError.missingCommand("12 sh S 1")) { try ProcStat.parse("12 sh S 1") }
        #expect(throws: ProcStat.ParseError.tooFewFields(5)) { try ProcStat.parse("12 (sh) S 1 2") }
        #expect(throws: ProcStat.ParseError.notANumber(field: 1, value: "x")) {
            try ProcStat.parse("x (sh) S 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 99 0 0")
        }
        #expect(throws: ProcStat.ParseError.notANumber(field: 14, value: "u")) {
            try ProcStat.parse("7 (sh) S 1 7 7 0 -1 0 0 0 0 0 u 4 0 0 20 0 1 0 99 0 0")
        }
    }

    @Test("status gives RSS, peaks, virtual size, swap and threads in bytes")
    func status() {
        let status = ProcStatus.parse(ProcCaptures.pythonStatus)
        #expect(status.residentBytes == 64852 * 1024)
        #expect(status.residentPeakBytes == 64852 * 1024)
        #expect(status.virtualBytes == 289_032 * 1024)
        #expect(status.virtualPeakBytes == 354_552 * 1024)
        #expect(status.swapBytes == 0)
        #expect(status.threads == 4)
    }

    @Test("a zombie's status has no memory lines")
    func zombieStatus() {
        let status = ProcStatus.parse("Name:\tsh\nState:\tZ (zombie)\nThreads:\t1\nVoluntary_ctxt_switches:\t3\n")
        #expect(status.residentBytes == nil)
        #expect(status.swapBytes == nil)
        #expect(status.threads == 1)
    }

    @Test("smaps_rollup gives PSS next to RSS; its address header is no field")
    func smapsRollup() throws {
        let rollup = try ProcSmapsRollup.parse(ProcCaptures.pythonSmapsRollup)
        #expect(rollup.proportionalBytes == 62801 * 1024)
        #expect(rollup.residentBytes == 64852 * 1024)
        #expect(rollup.swapBytes == 0)
        #expect(rollup.swapProportionalBytes == 0)
        #expect(ProcFields.parse(ProcCaptures.pythonSmapsRollup).count == 22)
        #expect(throws: ProcSmapsRollup.ParseError.missingPss) { try ProcSmapsRollup.parse("") }
    }

    @Test("io gives the four byte counters")
    func io() throws {
        let io = try ProcIO.parse(ProcCaptures.pythonIO)
        #expect(io == ProcIO(readChars: 1_688_250, writtenChars: 4112, readBytes: 479_232, writtenBytes: 12288))
        #expect(io + io == ProcIO(readChars: 3_376_500, writtenChars: 8224, readBytes: 958_464, writtenBytes: 24576))
        #expect(throws: ProcIO.ParseError.missingCounter("write_bytes")) {
            try ProcIO.parse("rchar: 1\nwchar: 2\nread_bytes: 3\n")
        }
    }

    @Test("exited and refused reads are told apart by errno")
    func errnoClasses() {
        #expect(ProcessSampleReader.vanished(ENOENT))
        #expect(ProcessSampleReader.vanished(ESRCH))
        #expect(!ProcessSampleReader.vanished(EACCES))
        #expect(ProcessSampleReader.refused(EACCES))
        #expect(ProcessSampleReader.refused(EPERM))
        #expect(!ProcessSampleReader.refused(EIO))
    }
}
