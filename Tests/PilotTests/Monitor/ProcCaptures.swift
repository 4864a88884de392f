/// Text of /proc files captured on the development machine (Debian 12, kernel 6.18, x86_64),
/// byte for byte (status's tabs included) but for each file's final newline.
enum ProcCaptures {
    /// `/proc/self/stat` of a python3 with 4 threads that had allocated and touched 50 MiB and spun 0.5 s.
    static let pythonStat = """
600 (python3) R 574 574 31265 0 -1 4194304 15668 6517 6 0 49 3 4 1 20 0 4 0 1018407 295968768 16170 18446744073709551615 93951551889408 93951551889749 140721648833248 0 0 0 0 16781312 2 0 0 0 17 1 0 0 0 0 0 93951551901104 93951551901720 93952090468352 140721648834400 140721648834841 140721648834841 140721648836559 0
"""
    /// Its `status`.
    static let pythonStatus = """
Name:	python3
Umask:	0022
State:	R (running)
Tgid:	600
Ngid:	0
Pid:	600
PPid:	574
TracerPid:	0
Uid:	0	0	0	0
Gid:	0	0	0	0
FDSize:	256
Groups:	 
NStgid:	600
NSpid:	600
NSpgid:	574
NSsid:	31265
Kthread:	0
VmPeak:	  354552 kB
VmSize:	  289032 kB
VmLck:	       0 kB
VmPin:	       0 kB
VmHWM:	   64852 kB
VmRSS:	   64852 kB
RssAnon:	   58144 kB
RssFile:	    6708 kB
RssShmem:	       0 kB
VmData:	   84188 kB
VmStk:	     132 kB
VmExe:	       4 kB
VmLib:	    4672 kB
VmPTE:	     192 kB
VmSwap:	       0 kB
HugetlbPages:	       0 kB
CoreDumping:	0
THP_enabled:	1
untag_mask:	0xffffffffffffffff
Threads:	4
SigQ:	1/96365
SigPnd:	0000000000000000
ShdPnd:	0000000000000000
SigBlk:	0000000000000000
SigIgn:	0000000001001000
SigCgt:	0000000100000002
CapInh:	0000000000000000
CapPrm:	000001fffeffffff
CapEff:	000001fffeffffff
CapBnd:	000001fffeffffff
CapAmb:	0000000000000000
NoNewPrivs:	0
Seccomp:	0
Seccomp_filters:	0
Speculation_Store_Bypass:	vulnerable
SpeculationIndirectBranch:	always enabled
Cpus_allowed:	3
Cpus_allowed_list:	0-1
Mems_allowed:	00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000001
Mems_allowed_list:	0
voluntary_ctxt_switches:	65
nonvoluntary_ctxt_switches:	59
"""
    /// Its `smaps_rollup`.
    static let pythonSmapsRollup = """
5572cce05000-7ffc4fe42000 ---p 00000000 00:00 0                          [rollup]
Rss:               64852 kB
Pss:               62801 kB
Pss_Dirty:         58144 kB
Pss_Anon:          58144 kB
Pss_File:           4657 kB
Pss_Shmem:             0 kB
Shared_Clean:       2264 kB
Shared_Dirty:          0 kB
Private_Clean:      4444 kB
Private_Dirty:     58144 kB
Referenced:        64852 kB
Anonymous:         58144 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
"""
    /// Its `io`.
    static let pythonIO = """
rchar: 1688250
wchar: 4112
syscr: 674
syscw: 35
read_bytes: 479232
write_bytes: 12288
cancelled_write_bytes: 0
"""
    /// `stat` of `sleep` copied to an executable named `we (ird) n`: spaces and parentheses in comm.
    static let parenthesizedCommandStat = """
578 (we (ird) n) S 1 574 31265 0 -1 4194304 131 0 0 0 0 0 0 0 20 0 1 0 1018375 2990080 395 18446744073709551615 94788674781184 94788674799113 140721341572032 0 0 0 0 6 0 1 0 0 17 0 0 0 0 0 0 94788674813200 94788674814464 94788716494848 140721341573831 140721341573850 140721341573850 140721341575144 0
"""
    /// `/proc/self/stat` of `cat`.
    static let catStat = """
360 (cat) R 358 358 31265 0 -1 4194304 99 0 0 0 0 0 0 0 20 0 1 0 1017858 3133440 360 18446744073709551615 94374214000640 94374214020521 140731044734336 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 94374214036528 94374214038144 94374522789888 140731044739791 140731044739811 140731044739811 140731044741099 0
"""
}
