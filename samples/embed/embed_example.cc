// Embedding duet in a C++ application, step by step.
//
//   duet_embed_example [PLUGIN_DIR]     (default: the source tree's plugins/)
//
// The program starts Python and JavaScript, gives scripts one C++ function
// to call, loads the plugins, calls greeter.greet in Python, switches greeter
// to JavaScript and calls it again, calls a plugin that uses the C++
// function, makes one call to a chosen implementation, runs two slow async
// calls at once, and keeps a script function to call from another thread.
// Any error ends it with exit code 1.
#include <chrono>
#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

// One header for everything, and one library to link: duet::duet.
#include "duet/duet.h"

namespace {

// Prints why a step failed. duet::FormatError renders a script exception as
// "Type: message" plus its stack (file:line per frame); any other status as
// its message.
int Fail(std::string_view step, const absl::Status& status) {
  std::cerr << "embed_example: " << step << " failed:\n"
            << duet::FormatError(status) << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string plugin_dir = argc > 1 ? argv[1] : DUET_DEFAULT_PLUGINS;

  // Step 1: options. The log sink receives what plugins print (print,
  // console.log, duet.log) and the host's own warnings. It may be called from
  // any thread that runs a plugin, at once: it must be thread-safe.
  duet::HostOptions options;
  options.log_sink = [](duet::LogLevel level, std::string_view source,
                        std::string_view message) {
    if (level == duet::LogLevel::kDebug) return;
    std::cerr << "[" << source << "] " << message << "\n";
  };

  // Step 2: the host. This starts both engines (CPython and V8); it fails
  // with kFailedPrecondition when one cannot start.
  absl::StatusOr<std::unique_ptr<duet::Host>> created =
      duet::Host::Create(std::move(options));
  if (!created.ok()) return Fail("starting the engines", created.status());
  duet::Host& host = **created;

  // Step 3: a host function. Scripts in either language call it as
  // duet.host.app_name(). It runs on the calling thread with no engine lock
  // held, and returns a duet::Value (here a string).
  absl::Status registered = host.RegisterFunction(
      "app_name",
      [](absl::Span<const duet::Value> args) -> absl::StatusOr<duet::Value> {
        if (!args.empty()) {
          return absl::InvalidArgumentError("app_name() takes no arguments");
        }
        return duet::Value("embed-example");
      });
  if (!registered.ok()) return Fail("registering app_name", registered);

  // Step 4: the plugins. A broken plugin does not stop the others: it is
  // listed in report->problems (with file:line) and the rest load.
  absl::StatusOr<duet::LoadReport> report = host.LoadPlugins(plugin_dir);
  if (!report.ok()) return Fail("loading " + plugin_dir, report.status());
  for (const duet::PluginProblem& problem : report->problems) {
    std::cerr << "embed_example: skipped " << problem.location.string() << ": "
              << problem.status.message() << "\n";
  }
  std::cout << "loaded " << report->loaded.size() << " modules from "
            << plugin_dir << "\n";

  // Step 5: a call. Arguments and results are duet::Values; greeter's
  // plugin.toml makes Python its default implementation.
  const duet::Value name = "world";
  absl::StatusOr<duet::Value> greeting = host.Call("greeter", "greet", {name});
  if (!greeting.ok()) return Fail("greeter.greet", greeting.status());
  std::cout << "python:     " << greeting->as_string() << "\n";

  // Step 6: the switch. From now on every caller of greeter (this program,
  // and plugins calling duet.modules.greeter) reaches the JavaScript
  // implementation; nobody else changes.
  absl::Status used = host.Use("greeter", duet::Language::kJavaScript);
  if (!used.ok()) return Fail("switching greeter to javascript", used);
  greeting = host.Call("greeter", "greet", {name});
  if (!greeting.ok()) return Fail("greeter.greet", greeting.status());
  std::cout << "javascript: " << greeting->as_string() << "\n";

  // Step 7: a plugin that calls back into C++. relay.banner calls
  // duet.host.app_name() from its script. Call also takes "module.function".
  absl::StatusOr<duet::Value> banner =
      host.Call("relay.banner", {duet::Value("hi from C++")});
  if (!banner.ok()) return Fail("relay.banner", banner.status());
  std::cout << "relay:      " << banner->as_string() << "\n";

  // Step 8: a call across languages. relay (JavaScript by default) calls
  // greeter, now JavaScript too, and textstats in Python. Results come back
  // as plain values; duet::ToJson renders any of them.
  absl::StatusOr<duet::Value> counted =
      host.Call("relay", "greet_and_count", {name});
  if (!counted.ok()) return Fail("relay.greet_and_count", counted.status());
  std::cout << "counted:    " << duet::ToJson(*counted) << "\n";

  // Step 9: one call to a chosen implementation. CallOptions picks Python
  // for this call only (and could set its time limit); greeter stays
  // switched to JavaScript for everyone else.
  duet::CallOptions in_python;
  in_python.implementation = duet::Language::kPython;
  in_python.timeout = absl::Seconds(5);
  absl::StatusOr<duet::Value> language =
      host.Call("greeter", "language", {}, in_python);
  if (!language.ok()) return Fail("greeter.language", language.status());
  std::cout << "chosen:     " << language->as_string() << "\n";

  // Step 10: two slow calls at once. timers.wait is async in both languages
  // (a Python coroutine by default). CallAsync starts a call and returns a
  // future without waiting, so the waits overlap: a 30 ms wait started after
  // a 600 ms one is done while the long one still waits (one after the
  // other, it could only finish after it).
  const auto start = std::chrono::steady_clock::now();
  std::future<absl::StatusOr<duet::Value>> slow =
      host.CallAsync("timers", "wait", {600});
  std::future<absl::StatusOr<duet::Value>> quick =
      host.CallAsync("timers", "wait", {30});
  absl::StatusOr<duet::Value> quick_done = quick.get();
  const bool slow_still_waiting =
      slow.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
  absl::StatusOr<duet::Value> slow_done = slow.get();
  if (!quick_done.ok()) return Fail("timers.wait", quick_done.status());
  if (!slow_done.ok()) return Fail("timers.wait", slow_done.status());
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  std::cout << "async:      a 30 ms wait started after a 600 ms one finished "
            << (slow_still_waiting ? "first" : "second") << "; both took "
            << took.count() << " ms\n";

  // Step 11: a script function kept for later. greeter.make_greeter (in
  // JavaScript since step 6) returns a closure; the Value keeps it alive
  // after that call has ended, and any thread may call it.
  absl::StatusOr<duet::Value> bonjour =
      host.Call("greeter", "make_greeter", {duet::Value("Bonjour")});
  if (!bonjour.ok()) return Fail("greeter.make_greeter", bonjour.status());
  absl::StatusOr<duet::Value> kept_greeting;
  std::thread worker([&] { kept_greeting = bonjour->Call({name}); });
  worker.join();
  if (!kept_greeting.ok()) {
    return Fail("calling the kept greeter", kept_greeting.status());
  }
  std::cout << "kept:       " << kept_greeting->as_string() << "\n";

  // The host shuts the engines down when it goes out of scope.
  return 0;
}
