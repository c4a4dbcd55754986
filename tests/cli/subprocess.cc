#include "subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace duet::testing {
namespace {

// Reaps the child: its exit code, 128 + signal when killed by one, or -1
// when the caller killed it for running past its time.
int WaitForExit(pid_t pid, bool timed_out) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// A temporary file holding `text`, opened for reading; -1 on failure.
int StdinFile(const std::string& text) {
  char path[] = "/tmp/duet_stdin_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return -1;
  unlink(path);
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  lseek(fd, 0, SEEK_SET);
  return fd;
}

// Sets up the environment and working directory, then execs argv; never
// returns.
[[noreturn]] void StartChild(const std::vector<std::string>& argv,
                             const ProcessOptions& options);

}  // namespace

ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const ProcessOptions& options) {
  ProcessResult result;
  int out_pipe[2], err_pipe[2];
  int in_fd = StdinFile(options.stdin_text);
  if (in_fd < 0 || pipe(out_pipe) != 0 || pipe(err_pipe) != 0) {
    result.exit_code = 127;
    result.err = "cannot set up the child's stdin/stdout/stderr";
    return result;
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in_fd, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    close(in_fd);
    close(out_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[0]);
    close(err_pipe[1]);
    StartChild(argv, options);
  }
  close(in_fd);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (pid < 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    result.exit_code = 127;
    result.err = "fork failed";
    return result;
  }

  // Drain both pipes until the child closes them (or the time is up).
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::seconds(options.timeout_seconds);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  bool timed_out = false;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    int ready = poll(fds, 2, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  if (timed_out) kill(pid, SIGKILL);
  for (pollfd& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  result.exit_code = WaitForExit(pid, timed_out);
  return result;
}

namespace {

[[noreturn]] void StartChild(const std::vector<std::string>& argv,
                             const ProcessOptions& options) {
  if (!options.working_directory.empty() &&
      chdir(options.working_directory.c_str()) != 0) {
    std::perror("chdir");
    _exit(127);
  }
  for (const auto& [name, value] : options.environment) {
    if (value) {
      setenv(name.c_str(), value->c_str(), 1);
    } else {
      unsetenv(name.c_str());
    }
  }
  std::vector<char*> args;
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  execv(args[0], args.data());
  std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
  _exit(127);
}

// Reads from `fd` into `out` until `done` says so, the fd closes, or the
// deadline passes. Returns false on timeout. `done` is asked again at least
// every 10 ms, so it may watch things other than the output.
template <typename Done>
bool ReadUntil(int fd, std::string& out,
               std::chrono::steady_clock::time_point deadline, Done done) {
  while (!done()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p = {fd, POLLIN, 0};
    int ready =
        poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 10)));
    if (ready <= 0) continue;
    char buffer[4096];
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      out.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      return true;  // the child closed the terminal (EIO on Linux)
    }
  }
  return true;
}

}  // namespace

namespace {

// Whether the terminal is in canonical (line) mode. On Linux the master side
// of a pseudo-terminal reports the slave's settings.
bool Canonical(int master) {
  termios mode = {};
  if (tcgetattr(master, &mode) != 0) return true;
  return (mode.c_lflag & ICANON) != 0;
}

bool KeysWelcome(int master, TerminalStep::Keys keys) {
  switch (keys) {
    case TerminalStep::Keys::kEditor:
      return !Canonical(master);
    case TerminalStep::Keys::kProgram:
      return Canonical(master);
    default:
      return true;
  }
}

// For a step that timed out: the terminal mode, and each thread of the
// child with its state and where the kernel has it waiting.
std::string Diagnose(pid_t pid, int master) {
  std::ostringstream out;
  out << "terminal: " << (Canonical(master) ? "canonical" : "raw (editing)")
      << "\n";
  std::error_code error;
  const std::string task = "/proc/" + std::to_string(pid) + "/task";
  for (std::filesystem::directory_iterator it(task, error), end;
       !error && it != end; it.increment(error)) {
    auto read = [&](const char* name) {
      std::ifstream in(it->path() / name);
      std::string text;
      std::getline(in, text);
      return text;
    };
    std::string stat = read("stat");
    // "tid (comm) S ...": the state is the field after the name.
    size_t close = stat.rfind(')');
    std::string state = close != std::string::npos && close + 2 < stat.size()
                            ? stat.substr(close + 2, 1)
                            : "?";
    out << "thread " << it->path().filename().string() << " " << read("comm")
        << ": " << state << " in " << read("wchan") << "\n";
  }
  return out.str();
}

}  // namespace

ProcessResult RunInTerminal(const std::vector<std::string>& argv,
                            const std::vector<TerminalStep>& steps,
                            const ProcessOptions& options) {
  ProcessResult result;
  int master = -1;
  winsize size = {};
  size.ws_row = 40;
  size.ws_col = 120;
  pid_t pid = forkpty(&master, nullptr, nullptr, &size);
  if (pid == 0) StartChild(argv, options);
  if (pid < 0) {
    result.exit_code = 127;
    result.err = "forkpty failed";
    return result;
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::seconds(options.timeout_seconds);
  size_t seen = 0;  // output before this was matched by earlier steps
  bool timed_out = false;
  for (size_t i = 0; i < steps.size() && !timed_out; ++i) {
    const TerminalStep& step = steps[i];
    size_t found = std::string::npos;
    bool ok = ReadUntil(master, result.out, deadline, [&] {
      found = result.out.find(step.wait_for, seen);
      return found != std::string::npos;
    });
    if (ok && found != std::string::npos && !step.send.empty()) {
      // Output keeps being collected while the terminal settles.
      ok = ReadUntil(master, result.out, deadline,
                     [&] { return KeysWelcome(master, step.keys_for); });
      ok = ok && KeysWelcome(master, step.keys_for);
    }
    if (!ok || found == std::string::npos) {
      timed_out = true;
      result.err =
          "step " + std::to_string(i) + ": never saw '" + step.wait_for + "'" +
          (found != std::string::npos ? " in the right terminal mode" : "") +
          "\n" + Diagnose(pid, master);
      break;
    }
    seen = found + step.wait_for.size();
    if (!step.send.empty() &&
        write(master, step.send.data(), step.send.size()) < 0) {
      result.err = "cannot write to the terminal";
      break;
    }
  }
  if (!timed_out &&
      !ReadUntil(master, result.out, deadline, [] { return false; })) {
    timed_out = true;
    result.err = "the program did not end\n" + Diagnose(pid, master);
  }
  if (timed_out) kill(pid, SIGKILL);
  close(master);
  result.exit_code = WaitForExit(pid, timed_out);
  return result;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace duet::testing
