#ifndef PILOT_CCRYPTO_SHIM_H
#define PILOT_CCRYPTO_SHIM_H
// OpenSSL's EVP digests (MD5 for Rucio's md5 checksums and S3's Content-MD5).
#include <openssl/evp.h>
#endif
