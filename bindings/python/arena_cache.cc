#include "arena_cache.h"

#include <sys/mman.h>

#include <cstddef>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "pybind11/embed.h"

namespace duet::python {
namespace {

// pymalloc asks for one arena size only; kept arenas of another size (none
// expected) are unmapped rather than reused.
constexpr int kMaxKept = 64;

absl::Mutex cache_mutex;
void* kept[kMaxKept] ABSL_GUARDED_BY(cache_mutex);
size_t kept_sizes[kMaxKept] ABSL_GUARDED_BY(cache_mutex);
int kept_count ABSL_GUARDED_BY(cache_mutex) = 0;
size_t kept_bytes ABSL_GUARDED_BY(cache_mutex) = 0;

// Maps as CPython's own arena allocator on Linux does (obmalloc.c), so an
// arena mapped before the cache was installed can be unmapped here too.
void* MapArena(void*, size_t size) {
  {
    absl::MutexLock lock(&cache_mutex);
    for (int i = kept_count - 1; i >= 0; --i) {
      if (kept_sizes[i] != size) continue;
      void* arena = kept[i];
      kept[i] = kept[kept_count - 1];
      kept_sizes[i] = kept_sizes[kept_count - 1];
      --kept_count;
      kept_bytes -= size;
      return arena;
    }
  }
  void* arena = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return arena == MAP_FAILED ? nullptr : arena;
}

void UnmapArena(void*, void* arena, size_t size) {
  {
    absl::MutexLock lock(&cache_mutex);
    if (kept_count < kMaxKept && kept_bytes + size <= kArenaCacheBytes) {
      kept[kept_count] = arena;
      kept_sizes[kept_count] = size;
      ++kept_count;
      kept_bytes += size;
      return;
    }
  }
  munmap(arena, size);
}

}  // namespace

void InstallArenaCache() {
  static std::once_flag installed;
  std::call_once(installed, [] {
    PyObjectArenaAllocator allocator = {nullptr, &MapArena, &UnmapArena};
    PyObject_SetArenaAllocator(&allocator);
  });
}

}  // namespace duet::python
