#include "subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace duet::testing {
namespace {

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
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    result.exit_code = -1;
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = 128 + WTERMSIG(status);
  }
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
// deadline passes. Returns false on timeout.
template <typename Done>
bool ReadUntil(int fd, std::string& out,
               std::chrono::steady_clock::time_point deadline, Done done) {
  while (!done()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p = {fd, POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(left.count()));
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

ProcessResult RunInTerminal(const std::vector<std::string>& argv,
                            const std::vector<TerminalStep>& steps,
                            const ProcessOptions& options) {
  ProcessResult result;
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
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
    if (!ok || found == std::string::npos) {
      timed_out = !ok;
      result.err =
          "step " + std::to_string(i) + ": never saw '" + step.wait_for + "'";
      break;
    }
    seen = found + step.wait_for.size();
    if (!step.send.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (!step.send.empty() &&
        write(master, step.send.data(), step.send.size()) < 0) {
      result.err = "cannot write to the terminal";
      break;
    }
  }
  if (!ReadUntil(master, result.out, deadline, [] { return false; })) {
    timed_out = true;
  }
  if (timed_out) kill(pid, SIGKILL);
  close(master);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    result.exit_code = -1;
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = 128 + WTERMSIG(status);
  }
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
