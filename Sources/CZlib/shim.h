#ifndef PILOT_CZLIB_SHIM_H
#define PILOT_CZLIB_SHIM_H
// zlib's Adler-32, the checksum Rucio and PanDA use for every file.
#include <zlib.h>
#endif
