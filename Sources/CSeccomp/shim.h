#ifndef PILOT_CSECCOMP_SHIM_H
#define PILOT_CSECCOMP_SHIM_H
#include <seccomp.h>
#include <stdint.h>

// SCMP_ACT_ERRNO is a function-like macro, which Swift does not import.
static inline uint32_t pilot_scmp_act_errno(uint16_t e) { return SCMP_ACT_ERRNO(e); }

#endif
