/* For the tests under wine only, never shipped: Debian's wine 8.0 has no
 * bcryptprimitives.dll, whose ProcessPrng Rust's standard library calls on
 * Windows 10 and 11 (where the DLL is part of the system). This stand-in
 * answers it from RtlGenRandom, as wine's later versions do. The tests
 * compile it into the wine prefix's system32 (tests/cli/windows.rs). */
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
    if (!SystemFunction036(data, n)) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}
