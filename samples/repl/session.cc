#include "session.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "output.h"

namespace duet::cli {
namespace {

std::mutex& OutputMutex() {
  static auto* mutex = new std::mutex;
  return *mutex;
}

void Write(std::FILE* stream, std::string_view text) {
  std::lock_guard<std::mutex> lock(OutputMutex());
  std::fwrite(text.data(), 1, text.size(), stream);
  std::fflush(stream);
}

std::string WithNewline(std::string_view text) {
  std::string line(text);
  if (line.empty() || line.back() != '\n') line += '\n';
  return line;
}

// `loading` is set while plugins load: the host then also logs each broken
// plugin as an error, which OpenSession prints itself in a fuller form.
LogSink MakeLogSink(PluginOutput plugin_output,
                    std::shared_ptr<std::atomic<bool>> loading) {
  return [plugin_output, loading](LogLevel level, std::string_view source,
                                  std::string_view message) {
    if (level == LogLevel::kDebug) return;
    const std::string source_str(source);
    const std::string message_str(message);
    if (source == "duet") {  // the host's own warnings
      if (level == LogLevel::kError && loading->load()) return;
      Write(stderr,
            WithNewline(absl::StrCat("duet: ", std::string(LogLevelName(level)),
                                     ": ", message_str)));
      return;
    }
    const bool plain = level == LogLevel::kInfo;
    if (plugin_output == PluginOutput::kStdout) {
      // In the REPL a print() reads best as it was printed.
      Write(stdout,
            WithNewline(plain ? message_str
                              : absl::StrCat(std::string(LogLevelName(level)),
                                             ": ", message_str)));
    } else {
      Write(
          stderr,
          WithNewline(absl::StrCat(
              "[", source_str, "] ",
              plain ? "" : absl::StrCat(std::string(LogLevelName(level)), ": "),
              message_str)));
    }
  };
}

absl::Status RegisterHostFunctions(Host& host) {
  absl::Status status = host.RegisterFunction(
      "app_name",
      [](absl::Span<const Value>) -> absl::StatusOr<Value> { return "duet"; });
  if (!status.ok()) return status;
  return host.RegisterFunction(
      "now", [](absl::Span<const Value>) -> absl::StatusOr<Value> {
        using std::chrono::duration;
        using std::chrono::system_clock;
        return duration<double>(system_clock::now().time_since_epoch()).count();
      });
}

}  // namespace

void WriteOut(std::string_view text) { Write(stdout, text); }
void WriteErr(std::string_view text) { Write(stderr, text); }
void PrintError(std::string_view message) {
  WriteErr(WithNewline(absl::StrCat("duet: ", std::string(message))));
}

bool LoadProblemsFail(const CommandLine& command_line) {
  return command_line.command == "check" && command_line.args.empty();
}

std::optional<Session> OpenSession(const CommandLine& command_line,
                                   PluginOutput plugin_output, int* exit_code) {
  const std::string problem_prefix =
      LoadProblemsFail(command_line) ? "" : "warning: ";
  auto loading = std::make_shared<std::atomic<bool>>(false);
  HostOptions options;
  options.log_sink = MakeLogSink(plugin_output, loading);
  // list, check and stubs report on every plugin, so each starts at load
  // and a broken one is a load problem; the rest start a plugin when used.
  if (command_line.command == "list" || command_line.command == "check" ||
      command_line.command == "stubs") {
    options.start_mode = StartMode::kAtLoad;
  }
  options.watch.enabled = command_line.watch;
  absl::StatusOr<std::unique_ptr<Host>> host = Host::Create(std::move(options));
  if (!host.ok()) {
    PrintError(
        absl::StrCat("cannot start the engines: ", OneLine(host.status())));
    *exit_code = kExitFailure;
    return std::nullopt;
  }
  Session session;
  session.host = *std::move(host);
  if (absl::Status status = RegisterHostFunctions(*session.host);
      !status.ok()) {
    PrintError(OneLine(status));
    *exit_code = kExitFailure;
    return std::nullopt;
  }

  session.plugin_dirs = command_line.plugin_dirs.empty()
                            ? DefaultPluginDirs()
                            : command_line.plugin_dirs;
  for (const std::string& dir : session.plugin_dirs) {
    std::error_code error;
    const std::filesystem::path path(dir);
    if (!std::filesystem::exists(path, error)) {
      PrintError(absl::StrCat("no such plugin directory: ", dir));
      *exit_code = kExitUsage;
      return std::nullopt;
    }
    // A plugin itself (a directory with plugin.toml, or hello.py) may be
    // named too.
    if (!std::filesystem::is_directory(path, error) ||
        std::filesystem::exists(path / "plugin.toml", error)) {
      absl::StatusOr<std::string> name = session.host->LoadPlugin(path);
      if (absl::IsAlreadyExists(name.status())) {  // first one wins
        PrintError(absl::StrCat("warning: ", OneLine(name.status())));
      } else if (!name.ok()) {
        PluginProblem problem{path, name.status()};
        PrintError(problem_prefix + ProblemLine(problem));
        session.problems.push_back(std::move(problem));
      }
      continue;
    }
    loading->store(true);
    absl::StatusOr<LoadReport> report = session.host->LoadPlugins(path);
    loading->store(false);
    if (!report.ok()) {
      PrintError(absl::StrCat("cannot read plugin directory ", dir, ": ",
                              OneLine(report.status())));
      *exit_code = kExitUsage;
      return std::nullopt;
    }
    // Warnings already went through the log sink.
    for (PluginProblem& problem : report->problems) {
      PrintError(problem_prefix + ProblemLine(problem));
      session.problems.push_back(std::move(problem));
    }
  }
  return session;
}

}  // namespace duet::cli
