// greeter, JavaScript implementation (an ES module).
import { GREETING, codePoints } from "./util.js";

export function greet(name) {
  // A function replacement: a name like "$&" must not act as a pattern.
  return GREETING.replace("{}", () => name);
}

export function greet_all(names) {
  return names.map((name) => greet(name));
}

// Reverses code points, so an emoji stays whole ("👋".split("") would not).
export function reverse(text) {
  return codePoints(text).reverse().join("");
}

// Counts code points ("👋".length is 2, this says 1).
export function length(text) {
  return codePoints(text).length;
}

// Which implementation answered: handy after `:use greeter js`.
export function language() {
  return "javascript";
}

// A function greeting with `greeting`: make_greeter("Bonjour")("monde") is
// "Bonjour, monde!". The function outlives this call and crosses languages
// like any value; its closure keeps `greeting`.
export function make_greeter(greeting) {
  return function greet_with(name) {
    return `${greeting}, ${name}!`;
  };
}
