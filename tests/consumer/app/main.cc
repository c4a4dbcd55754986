// A program built outside duet's tree, the way an application uses the
// installed library: it loads one plugin given in memory, calls it in Python,
// switches it to JavaScript and calls it again. consumer_test.sh checks what it
// prints.
#include <iostream>
#include <memory>
#include <string_view>
#include <utility>

#include "duet/duet.h"
#include "duet/version.h"

namespace {

int Fail(std::string_view step, const absl::Status& status) {
  std::cerr << "consumer_app: " << step << " failed:\n"
            << duet::FormatError(status) << "\n";
  return 1;
}

}  // namespace

int main() {
  absl::StatusOr<std::unique_ptr<duet::Host>> created = duet::Host::Create();
  if (!created.ok()) return Fail("Host::Create", created.status());
  duet::Host& host = **created;

  duet::PluginSource source;
  source.module = "greeter";
  source.implementations = {
      {duet::Language::kPython,
       "import sys\n"
       "def greet(name):\n"
       "    return f'hello {name} from python {sys.version_info[0]}'\n",
       "greeter.py"},
      {duet::Language::kJavaScript,
       "export function greet(name) {\n"
       "  return `hello ${name} from javascript ${typeof globalThis}`;\n"
       "}\n",
       "greeter.js"},
  };
  absl::StatusOr<std::string> loaded = host.LoadPlugin(source);
  if (!loaded.ok()) return Fail("LoadPlugin", loaded.status());

  for (duet::Language language :
       {duet::Language::kPython, duet::Language::kJavaScript}) {
    absl::Status used = host.Use("greeter", language);
    if (!used.ok()) return Fail("Use", used);
    absl::StatusOr<duet::Value> greeting =
        host.Call("greeter.greet", {duet::Value("consumer")});
    if (!greeting.ok()) return Fail("greeter.greet", greeting.status());
    std::cout << greeting->as_string() << "\n";
  }
  std::cout << "duet " << DUET_VERSION_STRING << "\n";
  return 0;
}
