// relay, JavaScript implementation (CommonJS): calls other modules through
// duet. duet.modules.NAME.FUNCTION(...) and duet.call("NAME.FUNCTION", ...)
// reach a module in whichever language its active implementation runs.
const duet = require("duet");

function greet_and_count(name) {
  const greeting = duet.modules.greeter.greet(name);
  return {
    greeting,
    word_counts: duet.call("textstats.word_counts", greeting),
  };
}

function loud_greeting(name) {
  return duet.modules.shout.shout(duet.modules.greeter.greet(name));
}

// hello is Python only and calls shout, which is JavaScript only: this is
// JavaScript -> Python -> JavaScript.
function loud_hello(name) {
  return duet.modules.hello.loud(name);
}

// Which language answers where: relay itself, and greeter behind it.
function route() {
  return { relay: "javascript", greeter: duet.modules.greeter.language() };
}

// Uses duet.host.app_name(), a function the application registers.
function banner(text) {
  return `[${duet.host.app_name()}] ${text}`;
}

module.exports = { greet_and_count, loud_greeting, loud_hello, route, banner };
