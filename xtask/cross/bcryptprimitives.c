/* For the Windows check under wine only; never shipped.
 *
 * Rust's standard library (1.78 and later) draws its random seeds from ProcessPrng in
 * bcryptprimitives.dll, which every Windows 10+ has but Debian 12's wine 8.0 does not: the .exe
 * then fails to start with "Library bcryptprimitives.dll ... not found". This stand-in is put into
 * the wine prefix's system32 and answers from RtlGenRandom, which wine does implement. */
#include <windows.h>

/* RtlGenRandom; advapi32 exports it under this name. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
