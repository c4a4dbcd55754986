/// @file
/// Checking that a module's implementations agree: its [[examples]] run
/// against every implementation (what `duet check` and `:check` run), and
/// random inputs from its declared parameter types (`duet check --fuzz`, in
/// fuzz.h).
///
/// @code
///   absl::StatusOr<std::vector<duet::ModuleInfo>> modules =
///       duet::tools::SelectModules(host, {});
///   duet::tools::CheckReport report =
///       duet::tools::RunExamples(host, *modules, nullptr);
///   if (report.failed > 0) ...  // report.outcomes says which, and why
/// @endcode
#ifndef DUET_TOOLS_CHECK_H_
#define DUET_TOOLS_CHECK_H_

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "duet/host.h"
#include "duet/manifest.h"
#include "duet/value.h"

namespace duet::tools {

/// One example run on one implementation.
struct ExampleOutcome {
  /// The module the example belongs to.
  std::string module;
  /// The example, as plugin.toml gives it.
  Example example;
  std::string toml;  ///< the manifest's file name, for "(plugin.toml:15)"
  /// The implementation it ran on.
  Language language = Language::kPython;
  /// What the call returned.
  absl::StatusOr<Value> got;
  /// ExampleHolds(example, got).
  bool passed = false;
};

/// Whether `got` is what `example` asks for: the expected value by value
/// (EquivalentByValue), or, for `raises`, an error that ErrorMatches.
bool ExampleHolds(const Example& example, const absl::StatusOr<Value>& got);

/// Whether `error` is the error `name` names: its status code's name
/// ("INVALID_ARGUMENT"), or for a script error its type, a built-in class
/// it derives from ("LookupError" for a KeyError, "Error" for a JavaScript
/// RangeError), or the class the other language catches it as
/// (docs/errors.md: "ValueError" for a JavaScript RangeError, "RangeError"
/// for a Python ValueError), so one example fits both implementations.
bool ErrorMatches(const absl::Status& error, std::string_view name);

/// What RunExamples found.
struct CheckReport {
  /// Every example on every implementation, in the order they ran.
  std::vector<ExampleOutcome> outcomes;
  std::vector<std::string> without_examples;  ///< modules with none
  /// Modules without the implementation RunExamples was limited to.
  std::vector<std::string> without_runtime;
  /// Outcomes that passed.
  int passed = 0;
  /// Outcomes that failed (a wrong result or an error).
  int failed = 0;
  bool stopped = false;  ///< `stop` was set before the end
};

/// Runs every example of `modules` on each implementation (only on
/// `runtime` when given; modules without it go to `without_runtime`), in
/// file order, calling `on_outcome` as each finishes. Stops early once
/// `*stop` is set.
CheckReport RunExamples(
    Host& host, const std::vector<ModuleInfo>& modules,
    const std::function<void(const ExampleOutcome&)>& on_outcome,
    const std::atomic<bool>* stop = nullptr,
    std::optional<Language> runtime = std::nullopt);

/// Lines of the check table, aligned for `modules` before any result is in,
/// so the table can stream.
class CheckTable {
 public:
  /// Columns sized for `modules`; `colour` paints pass and FAIL.
  CheckTable(const std::vector<ModuleInfo>& modules, bool colour);
  /// The heading line.
  std::string Header() const;
  /// The line for one outcome.
  std::string Row(const ExampleOutcome& outcome) const;
  /// "12 passed, 0 failed" and what was not checked. `problems` are the
  /// plugins that failed to load; with `problems_fail` false (a run that
  /// names its modules) they are a warning, not a failure.
  static std::string Summary(const CheckReport& report,
                             const std::vector<PluginProblem>& problems,
                             bool problems_fail = true);

 private:
  size_t module_width_ = 6;  ///< "MODULE"
  size_t label_width_ = 7;   ///< "EXAMPLE"
  bool colour_;
};

/// The object `duet check --json` prints; `ok` counts `problems` as a
/// failure only when `problems_fail` (see CheckTable::Summary).
Value CheckJson(const CheckReport& report,
                const std::vector<PluginProblem>& problems,
                bool problems_fail = true);

/// The modules a command names (all of them when `names` is empty), without
/// duet's own helper modules, started (Host::GetModule, Host::StartAll) so
/// their exports are known. kNotFound for an unknown name.
absl::StatusOr<std::vector<ModuleInfo>> SelectModules(
    Host& host, const std::vector<std::string>& names);

/// Whether `name` is a module duet loads for itself (the bench baseline).
bool IsInternalModule(std::string_view name);

}  // namespace duet::tools

#endif  // DUET_TOOLS_CHECK_H_
