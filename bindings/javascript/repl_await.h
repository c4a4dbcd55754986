// Top-level `await` in the JavaScript REPL. V8 10.2's public API has no
// REPL mode that allows it, so an input that awaits outside any function is
// rewritten, as node's REPL does, into a classic script that runs it inside
// an async arrow function and whose completion value is that function's
// Promise:
//
//   const x = await f(); function g() {}
//   x + 1
//     -> var g; let x; (async () => {
//        void (x = await f()); this.g = g; function g() {};return (
//        x + 1);
//        })()
//
// Declarations at the top level of the input (var, let, const, function,
// class, destructuring included) are hoisted to the script as `var` (var,
// function) or `let` (let, const, class) so later inputs see them; `const`
// becomes a reassignable `let`, as in node. The last statement, when it is
// an expression, is returned, so the Promise gives what the input would have
// shown. The input's lines keep their numbers (the head is line 0), so
// errors and stacks name them.
//
// The rewriter only finds where statements and declarations start and end
// (brackets, strings, templates, comments, regular expressions, automatic
// semicolons); V8 decides what is valid: which of the candidate returns
// compiles (JsReplSession tries them in order).
#ifndef DUET_BINDINGS_JAVASCRIPT_REPL_AWAIT_H_
#define DUET_BINDINGS_JAVASCRIPT_REPL_AWAIT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace duet::js {

// Whether `code` names `await` outside strings, comments and templates'
// text: worth rewriting when the plain script does not compile.
bool MentionsAwait(std::string_view code);

struct AwaitRewrite {
  // Where the input's last statement may start, if it is an expression:
  // `start` in `body`, and where its `return (` goes: before the line break
  // ahead of it (so the line keeps its columns), else at `start` (0: at the
  // end of `head`).
  struct Candidate {
    size_t start = 0;
    size_t return_at = 0;
  };

  // The hoisted declarations and the wrapper's head: the script's first
  // line, before the input's (compile the script with a line offset of -1).
  std::string head;
  // The input with its top-level declarations made assignments.
  std::string body;
  // Earliest first: the earliest whose tail compiles as an expression is
  // the whole last statement (V8 parses an expression as far as it goes).
  std::vector<Candidate> last_statements;
  // Where that final expression ends in `body` (before trailing semicolons
  // and comments).
  size_t last_expression_end = 0;

  // The script without a returned value.
  std::string Script() const;
  // The script returning the expression `candidate` starts.
  std::string ScriptReturning(const Candidate& candidate) const;
  // The candidate's tail as an async arrow function's body expression, to
  // ask V8 whether it is one expression.
  std::string ExpressionProbe(const Candidate& candidate) const;
};

// Rewrites `code` as above. Total: input that is not valid JavaScript gives
// a script that does not compile either (V8 reports the error).
AwaitRewrite RewriteTopLevelAwait(std::string_view code);

}  // namespace duet::js

#endif  // DUET_BINDINGS_JAVASCRIPT_REPL_AWAIT_H_
