// Runs tests of this very test binary in a child process, for scenarios that
// may crash or hang a process (interpreter start-up and shutdown): a crash
// or a hang then fails the parent test instead of ending the whole run.
//
//   ChildRun run = RunTestsInChild("PythonThreadChild.Name",
//                                  "DUET_CHILD_DIR", dir.path().string());
//   EXPECT_TRUE(run.passed()) << run.Describe();
#ifndef DUET_TESTS_TESTING_CHILD_PROCESS_H_
#define DUET_TESTS_TESTING_CHILD_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "testing/bounded.h"

extern char** environ;

namespace duet::testing {

struct ChildRun {
  bool started = false;
  bool hung = false;   // killed at the time bound
  int status = 0;      // as waitpid reports it
  std::string output;  // stdout and stderr

  bool exited_ok() const {
    return started && !hung && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  // Exited 0 after running (not skipping) what it was asked to run.
  bool passed() const {
    return exited_ok() && output.find("[  PASSED  ]") != std::string::npos &&
           output.find("SKIPPED") == std::string::npos;
  }
  std::string Describe() const {
    std::string how = !started ? "could not start"
                      : hung   ? "hung (killed at its time bound)"
                      : WIFSIGNALED(status)
                          ? absl::StrCat("killed by signal ", WTERMSIG(status))
                          : absl::StrCat("exit status ", WEXITSTATUS(status));
    return absl::StrCat("the child ", how, ":\n", output);
  }
};

// Runs this binary with --gtest_filter=`filter` and `env_name`=`env_value`
// added to the environment (the child tests look for it), collecting its
// output in `scratch_dir`; waits at most `bound`.
inline ChildRun RunTestsInChild(const std::string& filter,
                                const std::string& env_name,
                                const std::string& env_value,
                                const std::filesystem::path& scratch_dir,
                                absl::Duration bound = kHangBound) {
  ChildRun run;
  std::filesystem::path output = scratch_dir / "child.out";
  std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::string filter_flag = absl::StrCat("--gtest_filter=", filter);
  std::vector<char*> argv = {self.data(), filter_flag.data(), nullptr};
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.push_back(*e);
  env_strings.push_back(absl::StrCat(env_name, "=", env_value));
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t child = 0;
  run.started = posix_spawn(&child, self.c_str(), &actions, nullptr,
                            argv.data(), envp.data()) == 0;
  posix_spawn_file_actions_destroy(&actions);
  if (!run.started) return run;
  absl::Time give_up = absl::Now() + bound;
  while (::waitpid(child, &run.status, WNOHANG) == 0) {
    if (absl::Now() > give_up) {
      ::kill(child, SIGKILL);
      ::waitpid(child, &run.status, 0);
      run.hung = true;
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  std::ifstream in(output);
  std::stringstream text;
  text << in.rdbuf();
  run.output = text.str();
  return run;
}

}  // namespace duet::testing

#endif  // DUET_TESTS_TESTING_CHILD_PROCESS_H_
