// node:os, the subset that reveals nothing about the machine a plugin runs
// on: constants of the platform duet was built for (EOL, platform(),
// arch(), type(), endianness(), devNull, constants). Everything that
// describes this machine or its user (hostname, userInfo, homedir, tmpdir,
// cpus, networkInterfaces, memory, load, uptime, release, version, ...)
// throws: a sandboxed plugin has no authority to look at the host.
'use strict';

const info = native.nodeProcessInfo();

function refused(name) {
  return function () {
    const error = new Error(`os.${name}() is not available to a sandboxed duet plugin: it ` +
                            'describes the host machine, and a plugin has no authority to ' +
                            'inspect it (only EOL, platform(), arch(), type(), ' +
                            'endianness(), devNull and constants are provided)');
    error.code = 'ERR_DUET_OS_REFUSED';
    throw error;
  };
}

const kTypes = { linux: 'Linux', darwin: 'Darwin', freebsd: 'FreeBSD', openbsd: 'OpenBSD' };

// The POSIX signal and errno numbers are the same on every Linux machine:
// constants of the platform, not facts about this host.
const signals = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7,
  SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14,
  SIGTERM: 15, SIGCHLD: 17, SIGSTKFLT: 16, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21,
  SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28,
  SIGIO: 29, SIGPOLL: 29, SIGPWR: 30, SIGSYS: 31,
};
const errno = {
  E2BIG: 7, EACCES: 13, EADDRINUSE: 98, EADDRNOTAVAIL: 99, EAGAIN: 11, EBADF: 9, EBUSY: 16,
  ECONNABORTED: 103, ECONNREFUSED: 111, ECONNRESET: 104, EEXIST: 17, EINTR: 4, EINVAL: 22,
  EIO: 5, EISDIR: 21, ELOOP: 40, EMFILE: 24, ENAMETOOLONG: 36, ENOENT: 2, ENOMEM: 12,
  ENOSPC: 28, ENOTDIR: 20, ENOTEMPTY: 39, ENOTSUP: 95, EPERM: 1, EPIPE: 32, ERANGE: 34,
  EROFS: 30, ETIMEDOUT: 110, EXDEV: 18,
};
const priority = {
  PRIORITY_LOW: 19, PRIORITY_BELOW_NORMAL: 10, PRIORITY_NORMAL: 0, PRIORITY_ABOVE_NORMAL: -7,
  PRIORITY_HIGH: -14, PRIORITY_HIGHEST: -20,
};

const os = {
  EOL: '\n',
  devNull: '/dev/null',
  platform: () => info.platform,
  arch: () => info.arch,
  type: () => kTypes[info.platform] || info.platform,
  endianness: () => (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'LE' : 'BE'),
  constants: Object.freeze({
    signals: Object.freeze(signals),
    errno: Object.freeze(errno),
    priority: Object.freeze(priority),
    dlopen: Object.freeze({ RTLD_LAZY: 1, RTLD_NOW: 2, RTLD_GLOBAL: 256, RTLD_LOCAL: 0 }),
    UV_UDP_REUSEADDR: 4,
  }),
};
for (const name of ['hostname', 'userInfo', 'homedir', 'tmpdir', 'cpus', 'availableParallelism',
  'networkInterfaces', 'freemem', 'totalmem', 'loadavg', 'uptime', 'release', 'version',
  'machine', 'getPriority', 'setPriority']) {
  os[name] = refused(name);
}

module.exports = os;
