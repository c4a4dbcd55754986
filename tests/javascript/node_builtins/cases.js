// Cases for duet's Node built-ins, run twice: by generate_vectors.js under
// the machine's Node.js (whose answers are committed as vectors.json), and
// by node_builtins_test.cc inside a duet plugin, which must give the same
// answers. Each case returns something JSON can hold; a thrown error
// becomes {error: [name, code, message]}.
'use strict';

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function caught(fn) {
  try {
    return fn();
  } catch (error) {
    return { error: [error.name, error.code, error.message] };
  }
}

const cases = {
  path(require) {
    const path = require('path');
    const out = {};
    const joins = [['/a', 'b', '../c'], ['a', '', 'b/'], [''], ['/', '..', 'x'], ['a/./b', './c'],
      ['..', '..', 'a'], ['/a/b', '/c'], ['a//b', 'c///']];
    out.join = joins.map((args) => path.join(...args));
    const resolves = [['/a/b', 'c'], ['/a', '/b', 'c/..'], ['/x/y', '../../..', 'z'], ['/', '.'],
      ['/a/', './b/']];
    out.resolve = resolves.map((args) => path.resolve(...args));
    const relatives = [['/a/b/c', '/a/d'], ['/a', '/a/b/c'], ['/a/b', '/a/b'], ['/', '/x'],
      ['/foo/bar/baz', '/foo/bar/bazz'], ['/x/y/z', '/']];
    out.relative = relatives.map(([a, b]) => path.relative(a, b));
    const names = ['/a/b/c.txt', 'c.tar.gz', '.bashrc', '/a/b/', 'a', '/', '', '..', 'x.', '/a/.b.c'];
    out.dirname = names.map((n) => path.dirname(n));
    out.basename = names.map((n) => path.basename(n));
    out.basenameExt = names.map((n) => path.basename(n, '.txt'));
    out.extname = names.map((n) => path.extname(n));
    out.parse = names.map((n) => path.parse(n));
    out.normalize = ['/a//b/../c/.', 'a/../../b', './', '', '//x', 'a/b/'].map(
        (n) => path.normalize(n));
    out.isAbsolute = ['/a', 'a', ''].map((n) => path.isAbsolute(n));
    out.format = [{ dir: '/a', base: 'b.c' }, { root: '/', name: 'x', ext: 'y' },
      { name: 'n', ext: '.e' }].map((o) => path.format(o));
    out.constants = [path.sep, path.delimiter, path.posix === path];
    out.badArgument = caught(() => path.join('a', 5));
    return out;
  },

  util(require) {
    const util = require('util');
    const out = {};
    const formats = [['%s:%s', 'a'], ['%d', 42.5], ['%i', '42.9x'], ['%f', '1.5e3'],
      ['%j', { a: 1 }], ['%s', -0], ['%d', -0], ['%s', 10n], ['%%s %s', 'x'], ['a', 1, 'b'],
      [1, 2], ['%c%s', 'css', 'x'], ['%s %s', 'only'], ['%x', 1], ['%s', null],
      ['%s', undefined], ['%d', '0x10'], ['%s', Symbol('s')], ['%o', 'str'],
      ['%s', [1, 2]], ['%s', { a: 1 }], ['%j', 'x'], ['no args'], ['%s', true]];
    out.format = formats.map((args) => util.format(...args));
    const circular = {};
    circular.self = circular;
    out.formatCircularJson = util.format('%j', circular);
    out.inspect = [1, 'str', [1, 2], { a: { b: { c: { d: 1 } } } }, null, undefined,
      new Map([[1, 2]]), new Set(['x'])].map((v) => util.inspect(v));
    out.inspectCustom = util.inspect({ [util.inspect.custom]: () => 'custom!' });
    out.inspectDepth = util.inspect({ a: { b: { c: {} } } }, { depth: 0 });
    const equalPairs = [[[1, 2], [1, 2]], [{ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }],
      [new Map([[1, { a: 1 }]]), new Map([[1, { a: 1 }]])], [new Set([{ a: 1 }]),
        new Set([{ a: 1 }])], [1, '1'], [NaN, NaN], [0, -0], [new Date(1), new Date(1)],
      [/a/g, /a/i], [[1, , 3], [1, undefined, 3]], [Object.create(null), {}],
      [new Uint8Array([1]), new Uint8Array([1])], [new Uint8Array([1]), new Int8Array([1])],
      [{ a: 1, b: 2 }, { b: 2, a: 1 }], [new Error('x'), new Error('x')], [[1], { 0: 1 }]];
    out.isDeepStrictEqual = equalPairs.map(([a, b]) => util.isDeepStrictEqual(a, b));
    const types = util.types;
    out.types = [types.isDate(new Date()), types.isRegExp(/x/), types.isPromise(Promise.resolve()),
      types.isMap(new Map()), types.isSet({}), types.isUint8Array(new Uint8Array()),
      types.isTypedArray(new DataView(new ArrayBuffer(1))), types.isAsyncFunction(async () => {}),
      types.isGeneratorFunction(function* g() {}), types.isNativeError(new TypeError()),
      types.isBoxedPrimitive(Object(1)), types.isArrayBuffer(new ArrayBuffer(1))];
    function Base() {}
    Base.prototype.hello = function () { return 'hi'; };
    function Derived() {}
    util.inherits(Derived, Base);
    out.inherits = [new Derived().hello(), Derived.super_ === Base];
    out.inheritsBad = caught(() => util.inherits(Derived, null));
    out.promisifyBad = caught(() => util.promisify(5));
    return out;
  },

  async utilAsync(require) {
    const util = require('util');
    const doubled = await util.promisify((x, cb) => cb(null, x * 2))(21);
    const rejected = await util.promisify((cb) => cb(new Error('no')))().catch((e) => e.message);
    const custom = (cb) => cb(null, 'plain');
    custom[util.promisify.custom] = () => Promise.resolve('custom');
    const viaCustom = await util.promisify(custom)();
    const callbacked = await new Promise((resolve) => {
      util.callbackify(async (x) => x + 1)(1, (err, value) => resolve([err, value]));
    });
    const callbackRejected = await new Promise((resolve) => {
      util.callbackify(() => Promise.reject(null))((err) => resolve([err.code, err.message]));
    });
    return { doubled, rejected, viaCustom, callbacked, callbackRejected };
  },

  events(require) {
    const EventEmitter = require('events');
    const out = {};
    const log = [];
    const emitter = new EventEmitter();
    emitter.on('newListener', (name) => log.push(`new:${name}`));
    emitter.on('x', (a) => log.push(`first:${a}`));
    emitter.prependListener('x', (a) => log.push(`prepended:${a}`));
    emitter.once('x', (a) => log.push(`once:${a}`));
    emitter.prependOnceListener('x', (a) => log.push(`prependedOnce:${a}`));
    out.firstEmit = emitter.emit('x', 1);
    emitter.emit('x', 2);
    out.noListener = emitter.emit('nothing');
    out.log = log;
    out.counts = [emitter.listenerCount('x'), EventEmitter.listenerCount(emitter, 'x')];
    out.names = emitter.eventNames();
    const removed = [];
    emitter.on('removeListener', (name) => removed.push(name));
    const handler = () => {};
    emitter.on('y', handler);
    emitter.off('y', handler);
    emitter.removeAllListeners('x');
    out.removed = removed;
    out.errorThrown = caught(() => new EventEmitter().emit('error', new Error('boom')));
    out.errorNonError = caught(() => new EventEmitter().emit('error', 'text'));
    out.errorNoArgument = caught(() => new EventEmitter().emit('error'));
    const handled = new EventEmitter();
    handled.on('error', (e) => log.push(`handled:${e.message}`));
    out.errorHandled = handled.emit('error', new Error('caught'));
    const monitored = new EventEmitter();
    const seen = [];
    monitored.on(EventEmitter.errorMonitor, (e) => seen.push(e.message));
    out.errorMonitor = [caught(() => monitored.emit('error', new Error('m'))), seen];
    out.defaultMaxListeners = EventEmitter.defaultMaxListeners;
    out.maxListeners = new EventEmitter().setMaxListeners(3).getMaxListeners();
    out.badListener = caught(() => new EventEmitter().on('x', 5));
    out.badMax = caught(() => new EventEmitter().setMaxListeners(-1));
    const raw = new EventEmitter();
    const fn = () => {};
    raw.once('z', fn);
    out.rawListeners = [raw.listeners('z')[0] === fn, raw.rawListeners('z')[0] !== fn,
      raw.rawListeners('z')[0].listener === fn];
    out.isClass = [EventEmitter.EventEmitter === EventEmitter, typeof EventEmitter.once];
    class Sub extends EventEmitter {}
    const sub = new Sub();
    let got;
    sub.on('e', function (v) { got = [this === sub, v]; });
    sub.emit('e', 'v');
    out.subclass = got;
    return out;
  },

  async eventsAsync(require) {
    const { EventEmitter, once, on } = require('events');
    const process = require('process');
    const emitter = new EventEmitter();
    setTimeout(() => emitter.emit('ready', 1, 2), 0);
    const args = await once(emitter, 'ready');
    const failing = new EventEmitter();
    setTimeout(() => failing.emit('error', new Error('late')), 0);
    const rejected = await once(failing, 'ready').catch((e) => e.message);
    const streaming = new EventEmitter();
    setTimeout(() => {
      streaming.emit('data', 'a');
      streaming.emit('data', 'b');
      streaming.emit('data', 'c');
    }, 0);
    const received = [];
    for await (const [chunk] of on(streaming, 'data')) {
      received.push(chunk);
      if (received.length === 3) break;
    }
    const warned = new EventEmitter().setMaxListeners(1);
    const warnings = [];
    process.on('warning', (w) => warnings.push([w.name, w.message, w.count]));
    warned.on('x', () => {});
    warned.on('x', () => {});
    await new Promise((resolve) => setTimeout(resolve, 0));
    return {
      args, rejected, left: failing.listenerCount('ready'), received,
      afterBreak: streaming.listenerCount('data'), warnings,
    };
  },

  buffer(require) {
    const { Buffer } = require('buffer');
    const out = {};
    const strings = ['hello', 'héllo 👋', '\ud800x', '', 'a\u0000\uffff', 'Zm9v+/8='];
    const encodings = ['utf8', 'hex', 'base64', 'base64url', 'latin1', 'ascii', 'utf16le',
      'binary', 'ucs2'];
    out.toString = encodings.map((e) => strings.map((s) => Buffer.from(s).toString(e)));
    out.from = encodings.map((e) => strings.map((s) => hex(Buffer.from(s, e))));
    out.hexOdd = hex(Buffer.from('abcxz1', 'hex'));
    out.base64Loose = hex(Buffer.from('aGVs bG8=\nd29y', 'base64'));
    out.invalidUtf8 = [[0xff], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xed, 0xa0, 0x80], [0xc0, 0x80],
      [0x61, 0xf4, 0x90, 0x80, 0x80], [0xe0, 0x80, 0x80]].map((b) => Buffer.from(b).toString());
    out.byteLength = [Buffer.byteLength('héllo'), Buffer.byteLength('aGk=', 'base64'),
      Buffer.byteLength('abcd', 'hex'), Buffer.byteLength('ab', 'utf16le'),
      Buffer.byteLength(new Uint8Array(7))];
    const b = Buffer.alloc(24);
    b.writeUInt8(0xfe, 0);
    b.writeInt8(-2, 1);
    b.writeUInt16LE(0x1234, 2);
    b.writeInt16BE(-300, 4);
    b.writeUInt32BE(0xdeadbeef, 6);
    b.writeInt32LE(-123456, 10);
    b.writeFloatBE(1.5, 14);
    b.writeDoubleLE(-0.25, 16);
    out.written = hex(b);
    out.read = [b.readUInt8(0), b.readInt8(1), b.readUInt16LE(2), b.readInt16BE(4),
      b.readUInt32BE(6), b.readInt32LE(10), b.readFloatBE(14), b.readDoubleLE(16),
      b.readUIntBE(6, 3), b.readIntLE(10, 3), b.readUint16BE(2)];
    const big = Buffer.alloc(16);
    big.writeBigInt64LE(-5n, 0);
    big.writeBigUInt64BE(0x0102030405060708n, 8);
    out.bigints = [hex(big), String(big.readBigInt64LE(0)), String(big.readBigUInt64BE(8))];
    out.writeRange = caught(() => Buffer.alloc(1).writeUInt8(256, 0));
    out.readRange = caught(() => Buffer.alloc(4).readUInt32LE(1));
    out.readFloatRange = caught(() => Buffer.alloc(2).readInt16BE(1.5));
    out.bigRange = caught(() => Buffer.alloc(8).writeBigInt64LE(2n ** 63n));
    const text = Buffer.from('hello world, hello');
    out.search = [text.indexOf('hello'), text.indexOf('hello', 1), text.lastIndexOf('hello'),
      text.indexOf(Buffer.from('world')), text.indexOf(0x6f), text.includes('xyz'),
      text.indexOf('o', -5), text.indexOf(''), text.lastIndexOf('l', 5)];
    out.slice = [text.slice(0, 5).toString(), text.subarray(-5).toString(),
      text.slice(6, 11).constructor.name];
    const shared = Buffer.from('abc');
    shared.slice(1)[0] = 0x7a;
    out.sliceShares = shared.toString();
    out.compare = [Buffer.compare(Buffer.from('a'), Buffer.from('b')),
      Buffer.from('b').compare(Buffer.from('a')), Buffer.from('x').equals(Buffer.from('x')),
      Buffer.from('abc').compare(Buffer.from('zbcz'), 1, 3, 1, 3)];
    out.concat = [Buffer.concat([Buffer.from('ab'), Buffer.from('cd')]).toString(),
      Buffer.concat([Buffer.from('abcd'), Buffer.from('ef')], 5).toString(),
      Buffer.concat([]).length];
    out.fill = [Buffer.alloc(5, 'ab').toString(), hex(Buffer.alloc(3, 257)),
      Buffer.alloc(4).fill('xy', 1).toString('latin1'), hex(Buffer.alloc(4, 'aGk=', 'base64'))];
    const target = Buffer.alloc(6, '.');
    out.copy = [Buffer.from('abcdef').copy(target, 2, 1, 3), target.toString()];
    out.toJSON = JSON.stringify(Buffer.from([1, 2, 3]));
    out.fromJSON = Buffer.from(JSON.parse(JSON.stringify(Buffer.from('hi')))).toString();
    out.isBuffer = [Buffer.isBuffer(Buffer.alloc(1)), Buffer.isBuffer(new Uint8Array(1)),
      Buffer.alloc(1) instanceof Uint8Array, Buffer.isEncoding('UTF-8'),
      Buffer.isEncoding('nope')];
    out.fromArrayBuffer = (() => {
      const ab = new Uint8Array([1, 2, 3, 4]).buffer;
      const view = Buffer.from(ab, 1, 2);
      view[0] = 9;
      return [hex(view), new Uint8Array(ab)[1]];
    })();
    out.swap = [hex(Buffer.from('0102', 'hex').swap16()), hex(Buffer.from('01020304', 'hex').swap32())];
    out.unknownEncoding = caught(() => Buffer.from('x', 'utf9'));
    out.badFrom = caught(() => Buffer.from(5));
    out.write = (() => {
      const w = Buffer.alloc(5);
      return [w.write('héllo'), hex(w), w.write('zz', 3, 'latin1'), hex(w)];
    })();
    out.map = Buffer.from([1, 2]).map((x) => x * 2).constructor.name;
    out.inspect = require('util').inspect(Buffer.from('hi'));
    return out;
  },

  querystring(require) {
    const qs = require('querystring');
    const inputs = ['a=1&b=2&a=3', 'a&b=&=c', 'x=%20y+z', 'bad=%zz%41', 'k=%E4%BD%A0', 'a=1&&b',
      'a=b=c', '%C3%28=1', 'foo=bar&foo=baz&foo=qux', ''];
    return {
      parse: inputs.map((s) => JSON.stringify(qs.parse(s))),
      custom: [JSON.stringify(qs.parse('a:1;b:2', ';', ':')),
        JSON.stringify(qs.parse('a=1&b=2&c=3', null, null, { maxKeys: 2 }))],
      stringify: [qs.stringify({ a: 1, b: [2, 3], c: 'x y', d: true, e: null, f: undefined,
        g: {}, i: NaN, 'ké': 'é!*()' }), qs.stringify({ a: 1, b: 2 }, ';', ':'), qs.stringify('x')],
      escape: [qs.escape('a b&c/é'), qs.unescape('a%20b%zz')],
      nullPrototype: Object.getPrototypeOf(qs.parse('a=1')) === null,
    };
  },

  string_decoder(require) {
    const { StringDecoder } = require('string_decoder');
    const inputs = [['utf8', [0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0x62]],
      ['utf8', [0xe2, 0x82, 0x61, 0xff, 0xf0, 0x9f]], ['utf16le', [0x61, 0x00, 0x3d, 0xd8, 0x00,
        0xde, 0x7a]], ['base64', [104, 101, 108, 108, 111, 33, 33]], ['hex', [1, 2, 255]],
      ['latin1', [0xe9, 0x41]]];
    const out = [];
    for (const [encoding, bytes] of inputs) {
      for (let split = 1; split <= 3; split++) {
        const decoder = new StringDecoder(encoding);
        const pieces = [];
        for (let i = 0; i < bytes.length; i += split) {
          pieces.push(decoder.write(Buffer.from(bytes.slice(i, i + split))));
        }
        pieces.push(decoder.end());
        out.push(pieces);
      }
    }
    return { pieces: out, unknown: caught(() => new StringDecoder('nope')) };
  },

  url(require) {
    const url = require('url');
    const parses = ['http://user:pw@Example.COM:8080/p/a/t/h?query=string#hash', '/a/b?c=d',
      '//host/path', 'mailto:a@b.c', 'javascript:alert(1)', 'HTTP://x.com',
      'http://a.com/ sp ace?x= y', 'file:///etc/passwd', 'http://[::1]:3000/x',
      'http://ex.com\\foo\\bar?x\\y', 'x', '?q=1', 'http://a_b.com/', 'https://a.com#frag?x',
      'http://a@b@c/d'];
    const resolves = [['http://a/b/c/d;p?q', 'g'], ['http://a/b/c/d;p?q', '../g'],
      ['http://a/b/c/d;p?q', '//g'], ['http://a/b/c/d;p?q', '?y'], ['http://a/b/c/d;p?q', '#s'],
      ['http://a/b/c/d;p?q', '../../../g'], ['/one/two/three', 'four'],
      ['http://example.com/', '/one'], ['mailto:a@b', 'mailto:c@d'], ['http://a/b', 'https://c/d'],
      ['http://a/b/', '.'], ['a/b', '../../c']];
    return {
      parse: parses.map((s) => JSON.stringify(url.parse(s))),
      parseQuery: JSON.stringify(url.parse('http://x/?a=1&a=2&b', true).query),
      resolve: resolves.map(([from, to]) => url.resolve(from, to)),
      format: [url.format({ protocol: 'https', hostname: 'ex.com', pathname: '/a',
        query: { b: 1 } }), url.format({ host: 'h:1', pathname: 'p', hash: 'x' }),
      url.format(url.parse('http://a.com/b?c#d'))],
      fileURLToPath: [url.fileURLToPath('file:///a/b%20c'), url.fileURLToPath('file:///tmp/%C3%A9'),
        caught(() => url.fileURLToPath('http://x/')),
        caught(() => url.fileURLToPath('file:///a%2fb'))],
      pathToFileURL: [url.pathToFileURL('/x/y #?%').href, url.pathToFileURL('/a/b/').href],
      whatwg: new url.URL('/p?q=1', 'https://example.org').href,
      searchParams: new url.URLSearchParams('a=1&b=2').get('b'),
    };
  },

  assert(require) {
    const assert = require('assert');
    const run = (fn) => {
      try {
        fn();
        return 'passed';
      } catch (e) {
        return [e.name, e.code, e.message, e.generatedMessage, e.operator];
      }
    };
    const checks = [
      () => assert.strictEqual(1, 2), () => assert.strictEqual('a', 'b'),
      () => assert.strictEqual(1, '1'), () => assert.equal(1, 2), () => assert.equal(1, '1'),
      () => assert.notStrictEqual(1, 1), () => assert.deepStrictEqual({ a: 1, b: [1, 2] },
        { a: 1, b: [1, 3] }), () => assert.deepStrictEqual([1, 2, 3], [1, 2, 4]),
      () => assert.ok(false), () => assert.ok(0), () => assert(null), () => assert.ok(),
      () => assert.ok(false, 'msg'), () => assert.throws(() => {}),
      () => assert.throws(() => { throw new Error('x'); }, /y/),
      () => assert.throws(() => { throw new Error('x'); }, { message: 'y' }),
      () => assert.throws(() => { throw new TypeError('x'); }, RangeError),
      () => assert.throws(() => { throw new TypeError('x'); }, TypeError),
      () => assert.throws(() => { throw new Error('abc'); }, { message: /b/ }),
      () => assert.match('abc', /x/), () => assert.match('abc', /b/),
      () => assert.doesNotMatch('abc', /b/), () => assert.notDeepStrictEqual({ a: 1 }, { a: 1 }),
      () => assert.fail(), () => assert.fail('boom'), () => assert.deepEqual({ a: 1 }, { a: 2 }),
      () => assert.deepEqual({ a: 1 }, { a: '1' }), () => assert.strictEqual({ a: 1 }, { a: 1 }),
      () => assert.doesNotThrow(() => { throw new Error('boom'); }),
      () => assert.notEqual(1, 1), () => assert.strictEqual(NaN, NaN),
      () => assert.deepStrictEqual(1, 2), () => assert.strictEqual({ a: 1 }, { b: 1 }),
      () => assert.deepStrictEqual(new Map([[1, 2]]), new Map([[1, 3]])),
      () => assert.deepStrictEqual({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10 },
        { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 11 }),
      () => assert.deepStrictEqual([1], { 0: 1 }), () => assert.deepEqual(1, 2),
      () => assert.ifError(new Error('e')), () => assert.ifError(null),
      () => assert.strict.equal(1, '1'), () => require('assert/strict').deepEqual([1], ['1']),
      () => assert.deepStrictEqual({ a: { b: { c: 1 } } }, { a: { b: { c: 2 } } }),
      () => assert.throws(() => { throw Object.assign(new Error('m'), { code: 'A' }); },
        { code: 'B', message: 'm' }),
    ];
    const error = new assert.AssertionError({ actual: 1, expected: 2, operator: 'strictEqual' });
    return {
      checks: checks.map(run),
      constructed: [error.name, error.code, error.message, error instanceof Error],
      strictIsStrict: require('assert/strict') === assert.strict,
    };
  },

  async assertAsync(require) {
    const assert = require('assert');
    const outcome = (promise) => promise.then(() => 'passed', (e) => [e.code, e.message]);
    return [
      await outcome(assert.rejects(Promise.resolve(1))),
      await outcome(assert.rejects(Promise.reject(new Error('x')), /x/)),
      await outcome(assert.rejects(async () => { throw new TypeError('t'); }, TypeError)),
      await outcome(assert.doesNotReject(Promise.reject(new Error('r')))),
    ];
  },

  crypto(require) {
    const crypto = require('crypto');
    const out = {};
    const inputs = ['', 'abc', 'The quick brown fox jumps over the lazy dog', 'héllo 👋'];
    for (const algorithm of ['md5', 'sha1', 'sha256', 'sha512', 'sha384', 'SHA256']) {
      out[algorithm] = inputs.map((s) => crypto.createHash(algorithm).update(s).digest('hex'));
    }
    out.chained = crypto.createHash('sha256').update('ab').update(Buffer.from('c'))
        .update('6869', 'hex').digest('base64');
    out.buffer = hex(crypto.createHash('md5').update('x').digest());
    out.copy = (() => {
      const h = crypto.createHash('sha1').update('a');
      const c = h.copy();
      h.update('b');
      return [h.digest('hex'), c.digest('hex')];
    })();
    out.hmac = [crypto.createHmac('sha256', 'key').update('The quick brown fox').digest('hex'),
      crypto.createHmac('sha1', Buffer.from('k')).update('').digest('base64')];
    out.twice = caught(() => {
      const h = crypto.createHash('sha256');
      h.digest();
      return h.digest();
    });
    out.unknown = caught(() => crypto.createHash('nope'));
    out.timingSafeEqual = [crypto.timingSafeEqual(Buffer.from('ab'), Buffer.from('ab')),
      crypto.timingSafeEqual(Buffer.from('ab'), Buffer.from('ac')),
      caught(() => crypto.timingSafeEqual(Buffer.from('a'), Buffer.from('ab')))];
    out.randomShapes = [crypto.randomBytes(16).length, /^[0-9a-f-]{36}$/.test(crypto.randomUUID()),
      crypto.randomUUID()[14], crypto.getRandomValues(new Uint32Array(4)).length,
      typeof crypto.webcrypto.getRandomValues];
    out.randomInt = (() => {
      const seen = new Set();
      for (let i = 0; i < 200; i++) seen.add(crypto.randomInt(3, 6));
      return [...seen].sort();
    })();
    out.randomIntBad = [caught(() => crypto.randomInt(5, 5)), caught(() => crypto.randomInt(1.5))];
    out.randomBytesBad = caught(() => crypto.randomBytes(-1));
    return out;
  },
};

module.exports = cases;
