#ifndef PILOT_CSECCOMP_SHIM_H
#define PILOT_CSECCOMP_SHIM_H
#include <seccomp.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

// SCMP_ACT_ERRNO and SCMP_ACT_TRACE are function-like macros, which Swift does not import.
static inline uint32_t pilot_scmp_act_errno(uint16_t e) { return SCMP_ACT_ERRNO(e); }
static inline uint32_t pilot_scmp_act_trace(uint16_t m) { return SCMP_ACT_TRACE(m); }

// An anonymous in-memory file for seccomp_export_bpf/_pfc, which write to a file descriptor
// (libseccomp 2.5 has no export to memory). MFD_CLOEXEC; glibc's memfd_create needs _GNU_SOURCE.
static inline int pilot_scmp_memfd(void) { return (int)syscall(SYS_memfd_create, "pilot-seccomp", 1u); }

#endif
