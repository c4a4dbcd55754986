/// @file
/// duet::ReplConsole — an interactive prompt's view of one engine, for tools
/// such as the `duet repl` command. Applications that only call plugins never
/// need it.
///
/// @code
///   absl::StatusOr<std::unique_ptr<duet::ReplConsole>> console =
///       host->OpenRepl(duet::Language::kPython);
///   if (!(*console)->IsIncomplete(input)) {
///     absl::StatusOr<std::string> shown = (*console)->Evaluate(input);
///   }
/// @endcode
///
/// Each console has its own namespace: globals defined in one are not seen by
/// another. Every loaded module is a global of its name, kept current as
/// plugins load. Host::Interrupt stops an evaluation like a call.
#ifndef DUET_REPL_H_
#define DUET_REPL_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "duet/language.h"

namespace duet {

/// Made by Host::OpenRepl. Thread-safe. It may outlive its Host: once the
/// host is destroyed Evaluate returns kCancelled and the rest return nothing.
class ReplConsole {
 public:
  virtual ~ReplConsole() = default;

  /// The language this console evaluates.
  virtual Language language() const = 0;

  /// Evaluates one input. Returns the result rendered in the language's own
  /// style (repr() for Python; a node-like inspection for JavaScript), or ""
  /// when there is nothing to show. kUnknown with a ScriptError when the code
  /// raises; kInvalidArgument for a syntax error; kCancelled when interrupted
  /// (Host::Interrupt) or once the host is shutting down. Top-level `await`
  /// is allowed in both languages; Evaluate returns once it settles.
  virtual absl::StatusOr<std::string> Evaluate(std::string_view code) = 0;

  /// Whether `code` is an unfinished input that continues on the next line
  /// (an open bracket or string, a Python block header), as the engine's own
  /// parser sees it. Complete-but-wrong input is not incomplete: Evaluate
  /// reports its error.
  virtual bool IsIncomplete(std::string_view code) = 0;

  /// Completions of the dotted name that ends `line`, each the whole dotted
  /// name, sorted: module names and their functions ("greeter.gr" ->
  /// "greeter.greet") as well as the language's own globals and attributes
  /// ("Math.fl" -> "Math.floor"). Never runs user code with side effects.
  virtual std::vector<std::string> Complete(std::string_view line) = 0;
};

}  // namespace duet

#endif  // DUET_REPL_H_
