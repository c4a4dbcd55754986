// node:process and the global `process`: what packages probe, nothing that
// grants authority. env holds only the variables the manifest's
// [permissions] env grants; argv is empty; exit(), kill() and the other
// calls that would act on the host process throw; uid/gid and the other
// facts about the machine are absent. Events (on/once/emit)
// work as on any EventEmitter, but the host never emits 'exit' and the
// like.
'use strict';

const EventEmitter = require('node/events');
const info = native.nodeProcessInfo();

function refused(name) {
  return function () {
    const error = new Error(`process.${name}() is not available to a duet plugin: a plugin ` +
                            'cannot act on the host process (it runs inside the host)');
    error.code = 'ERR_DUET_PROCESS_REFUSED';
    throw error;
  };
}

function grantedEnv() {
  const permissions = typeof native.permissions === 'function' ? native.permissions() : undefined;
  const env = {};
  if (permissions !== undefined && permissions !== null && permissions.env) {
    for (const key of Object.keys(permissions.env)) env[key] = String(permissions.env[key]);
  }
  return env;
}

const process = new EventEmitter();

function hrtime(previous) {
  const now = native.nodeHrtime();  // BigInt nanoseconds, monotonic
  let seconds = Number(now / 1000000000n);
  let nanos = Number(now % 1000000000n);
  if (previous !== undefined) {
    if (!Array.isArray(previous) || previous.length !== 2) {
      const error = new TypeError('The "time" argument must be an instance of Array of length 2');
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    seconds -= previous[0];
    nanos -= previous[1];
    if (nanos < 0) {
      seconds--;
      nanos += 1e9;
    }
  }
  return [seconds, nanos];
}
hrtime.bigint = () => native.nodeHrtime();

function nextTick(callback, ...args) {
  if (typeof callback !== 'function') {
    const error = new TypeError('The "callback" argument must be of type function. Received ' +
                                (callback === null ? 'null' : `type ${typeof callback}`));
    error.code = 'ERR_INVALID_ARG_TYPE';
    throw error;
  }
  queueMicrotask(() => callback(...args));
}

// Node prints warnings to stderr; here they go to the plugin's log.
function emitWarning(warning, type, code) {
  if (type !== null && typeof type === 'object') {
    code = type.code;
    type = type.type;
  }
  if (typeof warning === 'string') {
    const error = new Error(warning);
    error.name = typeof type === 'string' && type !== '' ? type : 'Warning';
    if (code !== undefined) error.code = code;
    warning = error;
  }
  if (!(warning instanceof Error)) {
    const error = new TypeError('The "warning" argument must be of type string or an instance ' +
                                'of Error');
    error.code = 'ERR_INVALID_ARG_TYPE';
    throw error;
  }
  queueMicrotask(() => {
    process.emit('warning', warning);
    native.log(2, `(duet) ${warning.code ? `[${warning.code}] ` : ''}${warning.name}: ` +
               warning.message);
  });
}

// process.stdout/stderr write to the plugin's log (info / error), a line per
// write with its trailing newline dropped; they are never a TTY.
function logStream(level, fd) {
  const stream = new EventEmitter();
  return Object.assign(stream, {
    fd,
    isTTY: false,
    writable: true,
    write(chunk, encoding, callback) {
      const text = typeof chunk === 'string' ? chunk :
          require('node/buffer').Buffer.from(chunk).toString(typeof encoding === 'string' ?
              encoding : 'utf8');
      native.log(level, text.endsWith('\n') ? text.slice(0, -1) : text);
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') queueMicrotask(done);
      return true;
    },
    end() {},
    hasColors: () => false,
    getColorDepth: () => 1,
  });
}

const memory = () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 });

Object.assign(process, {
  title: 'duet',
  version: `v${info.node}`,
  versions: { node: info.node, v8: info.v8, duet: info.duet },
  platform: info.platform,
  arch: info.arch,
  release: { name: 'node' },
  argv: [],
  argv0: 'duet',
  execArgv: [],
  execPath: '',
  exitCode: undefined,
  pid: 0,
  ppid: 0,
  features: {},
  config: { variables: {} },
  browser: false,
  env: grantedEnv(),
  cwd() { return info.cwd; },
  chdir: refused('chdir'),
  exit: refused('exit'),
  reallyExit: refused('reallyExit'),
  abort: refused('abort'),
  kill: refused('kill'),
  dlopen: refused('dlopen'),
  setuid: refused('setuid'),
  setgid: refused('setgid'),
  umask() { return 0o22; },
  uptime() { return Number(native.nodeHrtime() - info.started) / 1e9; },
  hrtime,
  nextTick,
  emitWarning,
  memoryUsage: Object.assign(memory, { rss: () => 0 }),
  cpuUsage: () => ({ user: 0, system: 0 }),
  resourceUsage: () => ({}),
  stdout: logStream(1, 1),
  stderr: logStream(3, 2),
  binding: refused('binding'),
});

module.exports = process;
