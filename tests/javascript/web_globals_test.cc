// The web-standard globals (bindings/javascript/lib/web/): each checked
// against known vectors, from tests/javascript/data/web_globals_vectors.json
// (generated with Node.js, see make_web_vectors.js) or written here from the
// specifications. Each plugin below returns '' when every check holds, else
// one line per failed check.
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "js_test_util.h"

namespace duet::testing {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;

// expect(what, got, want) compares by JSON (with a note for values JSON
// cannot show); throwsName(fn) is the name of what fn throws, or 'none'.
constexpr char kChecks[] = R"JS(
const failures = [];
const show = (value) => {
  if (typeof value === 'bigint') return `${value}n`;
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value);
};
function expect(what, got, want) {
  if (show(got) !== show(want)) failures.push(`${what}: got ${show(got)}, want ${show(want)}`);
}
function throwsName(fn) {
  try { fn(); } catch (error) { return error?.name ?? typeof error; }
  return 'none';
}
const report = () => failures.join('\n');
)JS";

std::string ReadData(std::string_view name) {
  std::ifstream in(std::string(DUET_SOURCE_DIR) + "/tests/javascript/data/" +
                   std::string(name));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class WebGlobalsTest : public JsTest {
 protected:
  // Loads `body` (with kChecks before it) and runs its export run().
  absl::StatusOr<Value> Run(std::string_view body,
                            std::vector<Value> args = {}) {
    absl::StatusOr<std::unique_ptr<Implementation>> impl =
        LoadSource("checks.mjs", std::string(kChecks) + std::string(body));
    if (!impl.ok()) return impl.status();
    impl_ = *std::move(impl);
    return CallByName(*impl_, "run", args);
  }

  std::vector<std::string> Logs() {
    std::vector<std::string> out;
    for (const RecordingServices::LogLine& line : services_.logs()) {
      out.push_back(line.message);
    }
    return out;
  }

  // Runs `body` and expects every check in it to hold.
  void ExpectChecksHold(std::string_view body, std::vector<Value> args = {}) {
    absl::StatusOr<Value> result = Run(body, std::move(args));
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_TRUE(result->is_string());
    EXPECT_EQ(result->as_string(), "");
  }

  std::unique_ptr<Implementation> impl_;
};

TEST_F(WebGlobalsTest, MatchTheVectors) {
  std::string vectors = ReadData("web_globals_vectors.json");
  ASSERT_GT(vectors.size(), 100000u) << "the vectors file was not found";
  Write("web_vectors_check.mjs", ReadData("web_vectors_check.mjs"));
  // domainToASCII is reached through the URL parser here: a valid domain is
  // the hostname it parses to.
  ExpectChecksHold(R"JS(
import { check } from './web_vectors_check.mjs';
const viaURL = (domain) => {
  try { return new URL(`http://${domain}/`).hostname; } catch { return ''; }
};
export function run(text) { return check(text, viaURL).join('\n'); }
)JS",
                   {Value(vectors)});
}

// Lazy (library.cc: a module runs on first read; the startup benchmark
// shows what that saves), and plain data properties to the plugin.
TEST_F(WebGlobalsTest, AreLazyPlainDataPropertiesOnceTouched) {
  ExpectChecksHold(R"JS(
const names = ['TextEncoder', 'TextDecoder', 'URL', 'URLSearchParams', 'structuredClone', 'atob',
               'btoa', 'crypto', 'performance', 'AbortController', 'AbortSignal', 'EventTarget',
               'Event', 'CustomEvent', 'DOMException'];
export function run() {
  for (const name of names) {
    expect(`${name} is not enumerable`, Object.keys(globalThis).includes(name), false);
    expect(`typeof ${name}`, typeof globalThis[name],
           name === 'crypto' || name === 'performance' ? 'object' : 'function');
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    expect(`${name} settled`, [descriptor.writable, descriptor.enumerable, descriptor.configurable,
                               'value' in descriptor], [true, false, true, true]);
  }
  globalThis.URL = 'mine';
  expect('a plugin may replace a global', URL, 'mine');
  return report();
}
)JS");
}

TEST_F(WebGlobalsTest, TextDecoderAndEncoderEdges) {
  ExpectChecksHold(R"JS(
export function run() {
  expect('unknown label', throwsName(() => new TextDecoder('klingon')), 'RangeError');
  expect('label is trimmed, case-folded', new TextDecoder(' UTF8\n').encoding, 'utf-8');
  expect('latin1 is windows-1252', new TextDecoder('latin1').encoding, 'windows-1252');
  expect('fatal', throwsName(() => new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.of(0xff))),
         'TypeError');
  expect('invalid bytes become U+FFFD', new TextDecoder().decode(Uint8Array.of(0x61, 0xf0, 0x9f, 0x62)),
         'a\ufffdb');
  expect('decodes ArrayBuffer and DataView',
         [new TextDecoder().decode(Uint8Array.of(0x68, 0x69).buffer),
          new TextDecoder().decode(new DataView(Uint8Array.of(0x78, 0x68, 0x69).buffer, 1))],
         ['hi', 'hi']);
  expect('decode(non-buffer)', throwsName(() => new TextDecoder().decode('text')), 'TypeError');
  const split = new TextDecoder();
  expect('a sequence split across streamed chunks',
         split.decode(Uint8Array.of(0xe2, 0x82), { stream: true }) + split.decode(Uint8Array.of(0xac)),
         '\u20ac');
  const cut = new TextDecoder();
  expect('an unfinished sequence at the end of a stream',
         cut.decode(Uint8Array.of(0xe2, 0x82), { stream: true }) + cut.decode(), '\ufffd');
  const bom = new TextDecoder();
  expect('only the first BOM of a stream is dropped',
         bom.decode(Uint8Array.of(0xef, 0xbb), { stream: true }) +
         bom.decode(Uint8Array.of(0xbf, 0xef, 0xbb, 0xbf)), '\ufeff');
  const into = new Uint8Array(5);
  expect('encodeInto stops before a character that does not fit',
         new TextEncoder().encodeInto('a€😀', into), { read: 2, written: 4 });
  expect('encodeInto bytes', Array.from(into), [0x61, 0xe2, 0x82, 0xac, 0]);
  expect('encode() is empty', new TextEncoder().encode().length, 0);
  expect('toStringTag', String(new TextEncoder()), '[object TextEncoder]');
  return report();
}
)JS");
}

TEST_F(WebGlobalsTest, URLObjectsFollowTheStandard) {
  ExpectChecksHold(R"JS(
export function run() {
  expect('a failure is a TypeError', throwsName(() => new URL('http://[::1')), 'TypeError');
  expect('with code ERR_INVALID_URL', (() => { try { new URL('nope'); } catch (e) { return e.code; } })(),
         'ERR_INVALID_URL');
  expect('a bad base fails', throwsName(() => new URL('/x', 'not a url')), 'TypeError');
  const url = new URL('https://user:pw@example.com:8443/a/b?x=1&y=2#top');
  expect('searchParams reads the query', url.searchParams.get('y'), '2');
  url.searchParams.append('z', 'a b');
  expect('searchParams writes the query', url.search, '?x=1&y=2&z=a+b');
  url.search = '?q=1';
  expect('the query writes searchParams', [...url.searchParams], [['q', '1']]);
  expect('the same searchParams object', url.searchParams === url.searchParams, true);
  url.port = '443';
  expect('the default port is dropped', url.host, 'example.com');
  expect('toJSON and toString', [JSON.stringify({ url }), String(url)],
         ['{"url":"https://user:pw@example.com/a/b?q=1#top"}', 'https://user:pw@example.com/a/b?q=1#top']);
  expect('href setter throws on failure', throwsName(() => { url.href = 'http://[::1'; }), 'TypeError');
  expect('URL.canParse', [URL.canParse('http://x'), URL.canParse('x'), URL.canParse('x', 'http://y/')],
         [true, false, true]);
  const params = new URLSearchParams({ b: '2', a: '1' });
  params.sort();
  expect('record init and sort', params.toString(), 'a=1&b=2');
  expect('size, has(name, value), delete(name, value)',
         (() => { const p = new URLSearchParams('a=1&a=2&b=3'); p.delete('a', '2');
                  return [p.size, p.has('a', '1'), p.has('a', '2'), p.toString()]; })(),
         [2, true, false, 'a=1&b=3']);
  expect('pairs must be pairs', throwsName(() => new URLSearchParams([['a']])), 'TypeError');
  expect('lone surrogates become U+FFFD', new URLSearchParams([['\ud800', 'x']]).toString(),
         '%EF%BF%BD=x');
  return report();
}
)JS");
}

TEST_F(WebGlobalsTest, StructuredCloneCopiesTheStructuredTypes) {
  ExpectChecksHold(R"JS(
export function run() {
  const key = { k: 1 };
  const source = {
    map: new Map([[key, 'object key'], ['s', new Set([1, 'two', 3n])]]),
    date: new Date(Date.UTC(2020, 1, 29, 12, 0, 0)),
    regexp: /a+b/giu,
    bytes: Uint8Array.of(1, 2, 3),
    floats: new Float64Array([0.5, -0]),
    boxed: [new String('s'), new Number(2), new Boolean(false)],
    error: new RangeError('out of range'),
    sparse: [1, , 3],
    nested: { deep: { deeper: [undefined, null, NaN, -0, Infinity] } },
  };
  source.self = source;
  source.map.set('cycle', source.map);
  const clone = structuredClone(source);
  expect('a new object', clone !== source, true);
  expect('cycles', [clone.self === clone, clone.map.get('cycle') === clone.map], [true, true]);
  const [clonedKey] = clone.map.keys();
  expect('Map keys are cloned', [clonedKey !== key, clonedKey.k, clone.map.get(clonedKey)],
         [true, 1, 'object key']);
  expect('Set', [...clone.map.get('s')].map(String), ['1', 'two', '3']);
  expect('Date', [clone.date instanceof Date, clone.date.toISOString()], [true, '2020-02-29T12:00:00.000Z']);
  expect('RegExp', [clone.regexp instanceof RegExp, clone.regexp.source, clone.regexp.flags],
         [true, 'a+b', 'giu']);
  expect('typed arrays', [clone.bytes instanceof Uint8Array, Array.from(clone.bytes),
                          clone.bytes.buffer !== source.bytes.buffer], [true, [1, 2, 3], true]);
  expect('-0 survives', Object.is(clone.floats[1], -0), true);
  expect('boxed primitives', clone.boxed.map((b) => [typeof b, b.valueOf()]),
         [['object', 's'], ['object', 2], ['object', false]]);
  expect('Error', [clone.error instanceof RangeError, clone.error.name, clone.error.message],
         [true, 'RangeError', 'out of range']);
  expect('holes stay holes', [1 in clone.sparse, clone.sparse.length], [false, 3]);
  expect('primitives', clone.nested.deep.deeper.map((v) => Object.is(v, -0) ? '-0' : String(v)),
         ['undefined', 'null', 'NaN', '-0', 'Infinity']);

  const buffer = new ArrayBuffer(8);
  const views = { a: new Uint8Array(buffer), b: new Uint16Array(buffer, 2, 2) };
  const clonedViews = structuredClone(views);
  expect('views of one buffer still share it', clonedViews.a.buffer === clonedViews.b.buffer, true);
  clonedViews.a[2] = 7;
  expect('the clone has its own memory', [clonedViews.b[0], views.b[0]], [7, 0]);

  const moved = new Uint8Array([9, 8]).buffer;
  const transferred = structuredClone(moved, { transfer: [moved] });
  expect('transfer detaches the source', [moved.byteLength, new Uint8Array(transferred)[0]], [0, 9]);

  for (const [what, value] of [['function', () => 1], ['symbol', Symbol('s')],
                               ['WeakMap', new WeakMap()], ['nested function', { f() {} }]]) {
    let error;
    try { structuredClone(value); } catch (e) { error = e; }
    expect(`${what} is a DataCloneError`,
           [error instanceof DOMException, error?.name, error?.code], [true, 'DataCloneError', 25]);
  }
  expect('a getter that throws propagates', throwsName(() => structuredClone({
    get bad() { throw new URIError('from getter'); } })), 'URIError');
  expect('no argument', throwsName(() => structuredClone()), 'TypeError');
  expect('transfer of a non-buffer', throwsName(() => structuredClone(1, { transfer: [{}] })),
         'DataCloneError');
  return report();
}
)JS");
}

TEST_F(WebGlobalsTest, Base64CryptoAndDOMException) {
  ExpectChecksHold(R"JS(
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
function caught(fn) {
  try { fn(); } catch (error) { return [error instanceof DOMException, error.name, error.code]; }
  return 'none';
}
export function run() {
  expect('atob rejects', caught(() => atob('a!')), [true, 'InvalidCharacterError', 5]);
  expect('btoa rejects past U+00FF', caught(() => btoa('€')), [true, 'InvalidCharacterError', 5]);
  expect('atob needs an argument', throwsName(() => atob()), 'TypeError');

  const ints = new Uint32Array(16);
  expect('getRandomValues returns its argument', crypto.getRandomValues(ints) === ints, true);
  // 512 random bits are all zero with probability 2**-512.
  expect('and fills it', ints.some((v) => v !== 0), true);
  const big = new BigInt64Array(8);
  crypto.getRandomValues(big);
  expect('BigInt64Array', big.some((v) => v !== 0n), true);
  expect('65536 bytes are allowed', crypto.getRandomValues(new Uint8Array(65536)).length, 65536);
  expect('65537 are not', caught(() => crypto.getRandomValues(new Uint8Array(65537))),
         [true, 'QuotaExceededError', 22]);
  expect('float arrays are not', caught(() => crypto.getRandomValues(new Float64Array(1))),
         [true, 'TypeMismatchError', 17]);
  const uuids = [crypto.randomUUID(), crypto.randomUUID()];
  expect('randomUUID is a version 4 UUID', uuids.every((u) => uuidPattern.test(u)), true);
  expect('randomUUIDs differ', uuids[0] !== uuids[1], true);
  expect('crypto is a Crypto', String(crypto), '[object Crypto]');

  const plain = new DOMException('msg', 'NotFoundError');
  expect('DOMException', [plain instanceof Error, plain.name, plain.message, plain.code,
                          String(plain), DOMException.NOT_FOUND_ERR],
         [true, 'NotFoundError', 'msg', 8, 'NotFoundError: msg', 8]);
  expect('DOMException defaults', [new DOMException().name, new DOMException().message,
                                   new DOMException('m', 'Custom').code], ['Error', '', 0]);
  expect('with a cause', new DOMException('m', { name: 'AbortError', cause: 'why' }).cause, 'why');
  expect('the stack names it', new DOMException('gone', 'AbortError').stack.split('\n')[0],
         'AbortError: gone');
  return report();
}
)JS");
}

TEST_F(WebGlobalsTest, PerformanceCountsFromItsOrigin) {
  ExpectChecksHold(R"JS(
export function run() {
  const first = performance.now();
  const second = performance.now();
  expect('now() never goes back', second >= first && first >= 0, true);
  // The origin plus now() is the wall clock, give or take a clock step.
  expect('timeOrigin is wall-clock time',
         Math.abs(performance.timeOrigin + performance.now() - Date.now()) < 60000, true);
  const a = performance.mark('a');
  const b = performance.mark('b', { startTime: a.startTime + 5, detail: { why: 1 } });
  const m = performance.measure('a to b', 'a', 'b');
  expect('measure between marks', [m.entryType, m.duration, m.startTime === a.startTime],
         ['measure', 5, true]);
  expect('detail', b.detail, { why: 1 });
  expect('entries', performance.getEntries().map((e) => e.name), ['a', 'b', 'a to b']);
  expect('by type', performance.getEntriesByType('mark').length, 2);
  performance.clearMarks('a');
  expect('clearMarks(name)', performance.getEntriesByName('a').length, 0);
  expect('an unknown mark', throwsName(() => performance.measure('x', 'nope')), 'SyntaxError');
  return report();
}
)JS");
}

TEST_F(WebGlobalsTest, EventTargetDispatchesInOrder) {
  ExpectChecksHold(R"JS(
export function run() {
  const target = new EventTarget();
  const seen = [];
  const once = () => seen.push('once');
  target.addEventListener('ping', (e) => seen.push(`fn:${e.type}:${e.target === target}`));
  target.addEventListener('ping', once, { once: true });
  target.addEventListener('ping', once, { once: true });  // a duplicate is ignored
  target.addEventListener('ping', { handleEvent(e) { seen.push(`object:${e.eventPhase}`); } });
  target.dispatchEvent(new Event('ping'));
  target.dispatchEvent(new Event('ping'));
  expect('order, once and handleEvent', seen,
         ['fn:ping:true', 'once', 'object:2', 'fn:ping:true', 'object:2']);

  const cancel = new EventTarget();
  cancel.addEventListener('go', (e) => e.preventDefault());
  expect('preventDefault needs cancelable',
         [cancel.dispatchEvent(new Event('go', { cancelable: true })), cancel.dispatchEvent(new Event('go'))],
         [false, true]);
  cancel.addEventListener('stop', (e) => e.stopImmediatePropagation());
  cancel.addEventListener('stop', () => seen.push('never'));
  cancel.dispatchEvent(new Event('stop'));
  expect('stopImmediatePropagation', seen.includes('never'), false);

  const controller = new AbortController();
  const removable = new EventTarget();
  let calls = 0;
  removable.addEventListener('x', () => calls++, { signal: controller.signal });
  removable.dispatchEvent(new Event('x'));
  controller.abort();
  removable.dispatchEvent(new Event('x'));
  expect('a signal removes its listener', calls, 1);

  const custom = new CustomEvent('c', { detail: { n: 1 } });
  expect('CustomEvent', [custom instanceof Event, custom.detail, new CustomEvent('d').detail],
         [true, { n: 1 }, null]);
  const event = new Event('e');
  expect('a fresh event', [event.defaultPrevented, event.isTrusted, event.target, event.eventPhase,
                           typeof event.timeStamp], [false, false, null, 0, 'number']);
  expect('Event needs a type', throwsName(() => new Event()), 'TypeError');
  expect('dispatch needs an Event', throwsName(() => target.dispatchEvent({ type: 'x' })), 'TypeError');
  return report();
}
)JS");
}

TEST_F(WebGlobalsTest, AListenerThatThrowsIsReportedAndDispatchGoesOn) {
  ExpectChecksHold(R"JS(
export function run() {
  const target = new EventTarget();
  let after = false;
  target.addEventListener('x', () => { throw new Error('listener broke'); });
  target.addEventListener('x', () => { after = true; });
  target.dispatchEvent(new Event('x'));
  expect('the next listener ran', after, true);
  return report();
}
)JS");
  EXPECT_THAT(Logs(), Contains(HasSubstr("Uncaught Error: listener broke")));
}

TEST_F(WebGlobalsTest, AbortControllerAndSignal) {
  ExpectChecksHold(R"JS(
export function run() {
  const controller = new AbortController();
  const signal = controller.signal;
  const events = [];
  signal.onabort = (e) => events.push(`onabort:${e.type}`);
  signal.addEventListener('abort', () => events.push(`listener:${signal.aborted}`));
  expect('not aborted yet', [signal.aborted, signal.reason, throwsName(() => signal.throwIfAborted())],
         [false, undefined, 'none']);
  controller.abort();
  controller.abort('again');
  expect('abort fires once', events, ['onabort:abort', 'listener:true']);
  expect('the default reason', [signal.reason instanceof DOMException, signal.reason.name,
                                signal.reason.code], [true, 'AbortError', 20]);
  expect('throwIfAborted throws the reason', throwsName(() => signal.throwIfAborted()), 'AbortError');
  expect('AbortSignal.abort(reason)', [AbortSignal.abort('why').aborted, AbortSignal.abort('why').reason],
         [true, 'why']);
  expect('no public constructor', throwsName(() => new AbortSignal()), 'TypeError');
  const first = new AbortController();
  const second = new AbortController();
  const any = AbortSignal.any([first.signal, second.signal]);
  second.abort('second');
  expect('AbortSignal.any follows the first to abort', [any.aborted, any.reason], [true, 'second']);
  expect('timeout needs a number', throwsName(() => AbortSignal.timeout(-1)), 'TypeError');
  return report();
}

export function timeout() {
  const signal = AbortSignal.timeout(1);
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve(`${signal.reason.name} ${signal.reason.code}`));
  });
}
)JS");
  EXPECT_THAT(CallByName(*impl_, "timeout", {}),
              IsOkAndHolds(StringValue("TimeoutError 23")));
}

TEST_F(WebGlobalsTest, ConsoleHasEveryMethod) {
  ExpectChecksHold(R"JS(
export function run() {
  console.table([{ a: 1, b: 'x' }, { a: 2, c: true }]);
  console.table(new Map([['k', { v: 1 }]]));
  console.table([1, 'two']);
  console.table([{ a: 1, b: 2 }, 3], ['b']);
  console.table('not tabular');
  console.group('Group');
  console.log('inside\nboth lines');
  console.groupCollapsed();
  console.info('deeper');
  console.groupEnd();
  console.groupEnd();
  console.groupEnd();  // one too many is harmless
  console.log('outside');
  console.assert(true, 'not shown');
  console.assert(false, 'x %s', 'y');
  console.assert(false);
  console.count();
  console.count('default');
  console.count('other');
  console.countReset();
  console.count();
  console.countReset('nope');
  console.time('t');
  console.time('t');
  console.timeLog('t', 'extra', 1);
  console.timeEnd('t');
  console.timeEnd('t');
  console.dir({ a: { b: { c: {} } } }, { depth: 0 });
  console.debug('debug'); console.warn('warn'); console.error('error'); console.dirxml('xml');
  console.trace('here');
  return report();
}
)JS");
  // Expected output from Node 20; the host log gets one line at a time.
  std::string transcript;
  for (const RecordingServices::LogLine& line : services_.logs()) {
    if (line.message.rfind("    at ", 0) == 0) continue;  // trace frames
    absl::StrAppend(&transcript, std::string(LogLevelName(line.level)), " ",
                    line.message, "\n");
  }
  transcript = std::regex_replace(
      transcript, std::regex("t: [0-9]+(\\.[0-9]+)?m?s"), "t: <time>");
  EXPECT_EQ(transcript,
            "info ┌─────────┬───┬─────┬──────┐\n"
            "info │ (index) │ a │ b   │ c    │\n"
            "info ├─────────┼───┼─────┼──────┤\n"
            "info │ 0       │ 1 │ 'x' │      │\n"
            "info │ 1       │ 2 │     │ true │\n"
            "info └─────────┴───┴─────┴──────┘\n"
            "info ┌───────────────────┬─────┬──────────┐\n"
            "info │ (iteration index) │ Key │ Values   │\n"
            "info ├───────────────────┼─────┼──────────┤\n"
            "info │ 0                 │ 'k' │ { v: 1 } │\n"
            "info └───────────────────┴─────┴──────────┘\n"
            "info ┌─────────┬────────┐\n"
            "info │ (index) │ Values │\n"
            "info ├─────────┼────────┤\n"
            "info │ 0       │ 1      │\n"
            "info │ 1       │ 'two'  │\n"
            "info └─────────┴────────┘\n"
            "info ┌─────────┬───┐\n"
            "info │ (index) │ b │\n"
            "info ├─────────┼───┤\n"
            "info │ 0       │ 2 │\n"
            "info │ 1       │   │\n"
            "info └─────────┴───┘\n"
            "info not tabular\n"
            "info Group\n"
            "info   inside\n"
            "info   both lines\n"
            "info     deeper\n"
            "info outside\n"
            "warning Assertion failed: x y\n"
            "warning Assertion failed\n"
            "info default: 1\n"
            "info default: 2\n"
            "info other: 1\n"
            "info default: 1\n"
            "warning Warning: Count for 'nope' does not exist\n"
            "warning Warning: Label 't' already exists for console.time()\n"
            "info t: <time> extra 1\n"
            "info t: <time>\n"
            "warning Warning: No such label 't' for console.timeEnd()\n"
            "info { a: [Object] }\n"
            "debug debug\n"
            "warning warn\n"
            "error error\n"
            "info xml\n"
            "debug Trace: here\n");
}

TEST_F(WebGlobalsTest, ConsoleTraceShowsWhereItWasCalled) {
  ExpectChecksHold(R"JS(
function inner() { console.trace('from %s', 'inner'); }
export function run() { inner(); return report(); }
)JS");
  std::string transcript;
  for (const RecordingServices::LogLine& line : services_.logs()) {
    absl::StrAppend(&transcript, line.message, "\n");
  }
  EXPECT_THAT(transcript,
              AllOf(::testing::StartsWith("Trace: from inner\n"),
                    HasSubstr("at inner"), HasSubstr("checks.mjs")));
}

}  // namespace
}  // namespace duet::testing
