// A cold start, as whole processes: fork, exec and wait, wall time.
//
//   BM_ColdStart/duet_call            duet call --plugins bench/fixtures
//                                     arith.add 1 2 (the active
//                                     implementation, Python)
//   BM_ColdStart/duet_call_javascript the same with --runtime javascript
//   BM_ColdStart/minimal_engines      bench/minimal_engines: starts CPython
//                                     and V8 and makes one call in each
//
// Both kinds run in this one binary, one after the other, so their ratio is
// paired. Each program's output is checked once before the timing; a
// timed run that exits non-zero fails the benchmark.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace {

// Runs `argv` to its end; its stdout goes to `output` when given, else
// with its stderr to /dev/null. Returns the exit status, or -1 when it
// could not run or did not exit.
int Run(const std::vector<std::string>& argv, std::string* output) {
  int pipe_fds[2] = {-1, -1};
  if (output != nullptr && pipe(pipe_fds) != 0) return -1;
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    const int null_fd = open("/dev/null", O_WRONLY);
    if (output != nullptr) {
      dup2(pipe_fds[1], STDOUT_FILENO);
      close(pipe_fds[0]);
      close(pipe_fds[1]);
    } else {
      dup2(null_fd, STDOUT_FILENO);
    }
    dup2(null_fd, STDERR_FILENO);
    std::vector<char*> args;
    for (const std::string& arg : argv)
      args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  if (output != nullptr) {
    close(pipe_fds[1]);
    char buffer[4096];
    ssize_t got;
    while ((got = read(pipe_fds[0], buffer, sizeof(buffer))) != 0) {
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) break;
      output->append(buffer, static_cast<size_t>(got));
    }
    close(pipe_fds[0]);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void BM_ColdStart(benchmark::State& state, std::vector<std::string> argv,
                  std::string expected_output) {
  std::string output;
  const int checked = Run(argv, &output);
  if (checked != 0 || output != expected_output) {
    state.SkipWithError((argv[0] + " exited " + std::to_string(checked) +
                         " printing '" + output + "', not '" + expected_output +
                         "'")
                            .c_str());
    return;
  }
  for (auto _ : state) {
    const int exit_code = Run(argv, nullptr);
    if (exit_code != 0) {
      state.SkipWithError(
          (argv[0] + " exited " + std::to_string(exit_code)).c_str());
      return;
    }
  }
}

BENCHMARK_CAPTURE(BM_ColdStart, duet_call,
                  std::vector<std::string>{DUET_CLI_BINARY, "call", "--plugins",
                                           DUET_BENCH_PLUGINS, "arith.add", "1",
                                           "2"},
                  "3\n")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0);
BENCHMARK_CAPTURE(BM_ColdStart, duet_call_javascript,
                  std::vector<std::string>{DUET_CLI_BINARY, "call", "--plugins",
                                           DUET_BENCH_PLUGINS, "--runtime",
                                           "javascript", "arith.add", "1", "2"},
                  "3\n")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0);
BENCHMARK_CAPTURE(BM_ColdStart, minimal_engines,
                  std::vector<std::string>{DUET_MINIMAL_ENGINES}, "3 3\n")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
