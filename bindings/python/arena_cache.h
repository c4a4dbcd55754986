// Python's small-object allocator (pymalloc) takes its memory from the OS
// in arenas of 1 MiB and hands each back as soon as it empties. A call that
// builds and drops many objects (a 100,000-element list from JavaScript:
// ~4 arenas of ints) then maps fresh arenas on every call, and the kernel
// zeroes each of their pages again: a quarter of such a call's time. The
// arena cache keeps a few empty arenas mapped for the next call.
#ifndef DUET_BINDINGS_PYTHON_ARENA_CACHE_H_
#define DUET_BINDINGS_PYTHON_ARENA_CACHE_H_

#include <cstddef>

namespace duet::python {

// Empty arenas kept mapped at most, in bytes (what a process may hold
// beyond what Python uses after a burst).
inline constexpr size_t kArenaCacheBytes = size_t{16} << 20;

// Makes pymalloc take and return its arenas through the cache. Before the
// interpreter starts, once per process; never for an interpreter the
// application started (its allocator is the application's choice).
void InstallArenaCache();

}  // namespace duet::python

#endif  // DUET_BINDINGS_PYTHON_ARENA_CACHE_H_
