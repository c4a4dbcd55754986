// The JavaScript callee of the cross-language benchmarks.
function add(a, b) {
  return a + b;
}

function echo(value) {
  return value;
}

module.exports = { add, echo };
