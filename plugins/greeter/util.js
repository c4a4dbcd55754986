// Helpers for greeter. textstats ships a util.js too; the two never collide.

export const GREETING = "Hello, {}!";

// The text's code points, one string each. A JavaScript string is UTF-16, so
// text.length counts an emoji twice; Array.from walks code points.
export function codePoints(text) {
  return Array.from(text);
}
