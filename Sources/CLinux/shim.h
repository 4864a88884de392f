#ifndef PILOT_CLINUX_SHIM_H
#define PILOT_CLINUX_SHIM_H
// Linux headers Swift's Glibc module does not bring: statfs(2) and the xattr calls.
#include <sys/statfs.h>
#include <sys/xattr.h>
#endif
