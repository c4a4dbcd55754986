// What the benchmarks read about their own process (/proc/self), and the
// quiet host most of them share.
#ifndef DUET_BENCH_PROCESS_STATS_H_
#define DUET_BENCH_PROCESS_STATS_H_

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string_view>

#include "duet/duet.h"

namespace duet::bench {

// The process's resident set, in MB.
inline double ResidentMegabytes() {
  long pages = 0;
  long resident = 0;
  FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return 0;
  if (std::fscanf(statm, "%ld %ld", &pages, &resident) != 2) resident = 0;
  std::fclose(statm);
  return static_cast<double>(resident) * sysconf(_SC_PAGESIZE) / (1 << 20);
}

// The process's threads.
inline int ThreadCount() {
  int count = 0;
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return 0;
  while (dirent* entry = readdir(tasks)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(tasks);
  return count;
}

// A host whose log lines go nowhere (they would land between the results);
// exits the benchmark with the reason when it cannot start.
inline std::unique_ptr<Host> QuietHostOrExit(HostOptions options = {}) {
  options.log_sink = [](LogLevel, std::string_view, std::string_view) {};
  absl::StatusOr<std::unique_ptr<Host>> made = Host::Create(std::move(options));
  if (!made.ok()) {
    std::cerr << "Host::Create: " << made.status() << "\n";
    std::exit(1);
  }
  return *std::move(made);
}

}  // namespace duet::bench

#endif  // DUET_BENCH_PROCESS_STATS_H_
