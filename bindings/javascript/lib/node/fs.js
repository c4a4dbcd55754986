// Node's `fs`, the common subset, confined to the paths plugin.toml
// [permissions] grants (docs/javascript.md "Permissions"). The checks and
// the file access are native (fs_natives.cc); this file shapes arguments,
// results and the callback forms as Node's do. Callbacks and promises run
// the operation on a later microtask, on the plugin's thread.
'use strict';

const natives = native.fsNatives();

// Refused as every built-in that grants authority is (today's message and
// code), naming how a plugin asks for it.
if (!natives.fsGranted()) {
  const error = new Error(
      "Cannot find module 'fs': Node.js built-in modules are not available " +
      "to duet plugins (a plugin gets 'fs' by asking for files in " +
      'plugin.toml: [permissions] read = ["data/"] or write = [...])');
  error.code = 'MODULE_NOT_FOUND';
  throw error;
}

let bufferModule;
// Node's Buffer when duet has it, else plain Uint8Array.
function bufferFrom(bytes) {
  if (bufferModule === undefined) {
    try {
      bufferModule = require('node/buffer');
    } catch {
      bufferModule = null;
    }
  }
  if (bufferModule === null || typeof bufferModule.Buffer !== 'function') {
    return bytes;
  }
  return bufferModule.Buffer.from(bytes.buffer, bytes.byteOffset,
                                  bytes.byteLength);
}

function typeError(code, message) {
  const error = new TypeError(message);
  error.code = code;
  return error;
}

function decodeUtf8(bytes) {
  let escaped = '';
  for (const byte of bytes) escaped += '%' + (byte < 16 ? '0' : '') + byte.toString(16);
  return decodeURIComponent(escaped);
}

// A path argument as Node takes it: a string, a Buffer/Uint8Array, or a
// file: URL.
function toPath(path, name = 'path') {
  if (typeof path === 'string') {
    if (path.includes('\u0000')) {
      throw typeError('ERR_INVALID_ARG_VALUE',
                      `The argument '${name}' must be a string or Uint8Array ` +
                      `without null bytes. Received ${JSON.stringify(path)}`);
    }
    return path;
  }
  if (path instanceof Uint8Array) return toPath(decodeUtf8(path), name);
  if (path !== null && typeof path === 'object' && typeof path.href === 'string' &&
      typeof path.protocol === 'string') {
    if (path.protocol !== 'file:') {
      throw typeError('ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file');
    }
    if (path.hostname !== '' && path.hostname !== 'localhost') {
      throw typeError('ERR_INVALID_FILE_URL_HOST',
                      'File URL host must be "localhost" or empty on linux');
    }
    return toPath(decodeURIComponent(path.pathname), name);
  }
  throw typeError('ERR_INVALID_ARG_TYPE',
                  `The "${name}" argument must be of type string or an ` +
                  `instance of Buffer or URL. Received ${describe(path)}`);
}

function describe(value) {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return `function ${value.name}`;
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  return `type ${typeof value} (${JSON.stringify(value)})`;
}

function encodingOf(options) {
  if (typeof options === 'string') return options;
  if (options !== null && typeof options === 'object') return options.encoding ?? null;
  return null;
}

function isUtf8(encoding) {
  return encoding === 'utf8' || encoding === 'utf-8' ||
         (typeof encoding === 'string' && /^utf-?8$/i.test(encoding));
}

function decode(bytes, encoding) {
  const buffer = bufferFrom(bytes);
  if (buffer === bytes) {
    throw typeError('ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`);
  }
  return buffer.toString(encoding);
}

function readFileSync(path, options) {
  const encoding = encodingOf(options);
  const file = toPath(path);
  if (encoding === null || encoding === 'buffer') {
    return bufferFrom(natives.fsReadFile(file, false));
  }
  if (isUtf8(encoding)) return natives.fsReadFile(file, true);
  return decode(natives.fsReadFile(file, false), encoding);
}

// The bytes or text to write: Node takes strings (in `encoding`),
// TypedArrays and DataViews.
function toData(data, encoding) {
  if (typeof data === 'string') {
    if (encoding === null || isUtf8(encoding)) return data;
    const buffer = bufferFrom(new Uint8Array(0));
    if (buffer instanceof Uint8Array && buffer.constructor !== Uint8Array) {
      return buffer.constructor.from(data, encoding);
    }
    throw typeError('ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`);
  }
  if (ArrayBuffer.isView(data)) return data;
  throw typeError('ERR_INVALID_ARG_TYPE',
                  'The "data" argument must be of type string or an instance ' +
                  `of Buffer, TypedArray, or DataView. Received ${describe(data)}`);
}

function writeFlag(options, fallback) {
  const flag = (options !== null && typeof options === 'object' && options.flag) || fallback;
  const known = {w: 'w', 'w+': 'w', wx: 'wx', 'wx+': 'wx', xw: 'wx', a: 'a',
                 'a+': 'a', ax: 'ax', 'ax+': 'ax', xa: 'ax', as: 'a', 'as+': 'a'};
  if (!(flag in known)) {
    throw typeError('ERR_INVALID_ARG_VALUE',
                    `The argument 'flag' is invalid or unsupported. Received '${flag}'`);
  }
  return known[flag];
}

function modeOf(options, fallback) {
  const mode = options !== null && typeof options === 'object' ? options.mode : undefined;
  if (mode === undefined) return fallback;
  return typeof mode === 'string' ? parseInt(mode, 8) : mode;
}

function writeFileSync(path, data, options) {
  natives.fsWriteFile(toPath(path), toData(data, encodingOf(options)),
                     writeFlag(options, 'w'), modeOf(options, 0o666));
}

function appendFileSync(path, data, options) {
  natives.fsWriteFile(toPath(path), toData(data, encodingOf(options)),
                     writeFlag(options, 'a'), modeOf(options, 0o666));
}

function existsSync(path) {
  let file;
  try {
    file = toPath(path);
  } catch {
    return false;
  }
  return natives.fsExists(file);
}

const S_IFMT = 0o170000;
const constants = Object.freeze({
  F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1,
  O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 0o100, O_EXCL: 0o200,
  O_TRUNC: 0o1000, O_APPEND: 0o2000,
  S_IFMT, S_IFREG: 0o100000, S_IFDIR: 0o40000, S_IFCHR: 0o20000,
  S_IFBLK: 0o60000, S_IFIFO: 0o10000, S_IFLNK: 0o120000, S_IFSOCK: 0o140000,
});

class Stats {
  constructor(raw) {
    Object.assign(this, raw);
    this.atime = new Date(raw.atimeMs);
    this.mtime = new Date(raw.mtimeMs);
    this.ctime = new Date(raw.ctimeMs);
    this.birthtime = new Date(raw.birthtimeMs);
  }
  isFile() { return (this.mode & S_IFMT) === constants.S_IFREG; }
  isDirectory() { return (this.mode & S_IFMT) === constants.S_IFDIR; }
  isSymbolicLink() { return (this.mode & S_IFMT) === constants.S_IFLNK; }
  isFIFO() { return (this.mode & S_IFMT) === constants.S_IFIFO; }
  isSocket() { return (this.mode & S_IFMT) === constants.S_IFSOCK; }
  isCharacterDevice() { return (this.mode & S_IFMT) === constants.S_IFCHR; }
  isBlockDevice() { return (this.mode & S_IFMT) === constants.S_IFBLK; }
}

function statWith(follow, path, options) {
  const file = toPath(path);
  try {
    return new Stats(natives.fsStat(file, follow));
  } catch (error) {
    if (error.code === 'ENOENT' && options?.throwIfNoEntry === false) return undefined;
    throw error;
  }
}

function statSync(path, options) { return statWith(true, path, options); }
function lstatSync(path, options) { return statWith(false, path, options); }

// `access` succeeds when the path exists under a read grant, whatever the
// mode asks: writability shows only by writing.
function accessSync(path) {
  natives.fsStat(toPath(path), true);
}

class Dirent {
  constructor(name, type, parentPath) {
    this.name = name;
    this.parentPath = parentPath;
    this.path = parentPath;
    Object.defineProperty(this, '_type', {value: type});
  }
  isFile() { return this._type === 'file'; }
  isDirectory() { return this._type === 'directory'; }
  isSymbolicLink() { return this._type === 'symlink'; }
  isFIFO() { return this._type === 'fifo'; }
  isSocket() { return this._type === 'socket'; }
  isCharacterDevice() { return this._type === 'char'; }
  isBlockDevice() { return this._type === 'block'; }
}

function joinPath(dir, name) {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

function readdirSync(path, options) {
  const dir = toPath(path);
  const withFileTypes = options !== null && typeof options === 'object' &&
                        options.withFileTypes === true;
  const recursive = options !== null && typeof options === 'object' &&
                    options.recursive === true;
  const out = [];
  const visit = (folder, prefix) => {
    for (const [name, type] of natives.fsReaddir(folder)) {
      const relative = prefix === '' ? name : `${prefix}/${name}`;
      out.push(withFileTypes ? new Dirent(name, type, folder) : relative);
      if (recursive && type === 'directory') visit(joinPath(folder, name), relative);
    }
  };
  visit(dir, '');
  const encoding = encodingOf(options);
  if (!withFileTypes && encoding === 'buffer') {
    return out.map((name) => bufferFrom(new Uint8Array(
        Array.from(unescape(encodeURIComponent(name)), (c) => c.charCodeAt(0)))));
  }
  return out;
}

function mkdirSync(path, options) {
  const recursive = options !== null && typeof options === 'object' && options.recursive === true;
  const mode = typeof options === 'number' || typeof options === 'string'
      ? modeOf({mode: options}, 0o777) : modeOf(options ?? null, 0o777);
  return natives.fsMkdir(toPath(path), recursive, mode);
}

function rmSync(path, options) {
  natives.fsRemove(toPath(path), 'rm', options?.recursive === true, options?.force === true);
}

function unlinkSync(path) {
  natives.fsRemove(toPath(path), 'unlink', false, false);
}

function rmdirSync(path, options) {
  natives.fsRemove(toPath(path), 'rmdir', options?.recursive === true, false);
}

// Node's callback form: the operation runs on a later microtask, then
// `callback(error)` or `callback(null, result)`.
function callbackForm(sync, name) {
  const wrapper = function(...args) {
    const callback = args.pop();
    if (typeof callback !== 'function') {
      throw typeError('ERR_INVALID_ARG_TYPE',
                      `The "cb" argument must be of type function. Received ${describe(callback)}`);
    }
    Promise.resolve().then(() => {
      let result;
      try {
        result = sync(...args);
      } catch (error) {
        callback(error);
        return;
      }
      callback(null, result);
    });
  };
  Object.defineProperty(wrapper, 'name', {value: name});
  return wrapper;
}

function exists(path, callback) {
  Promise.resolve().then(() => callback(existsSync(path)));
}

exports.constants = constants;
exports.Stats = Stats;
exports.Dirent = Dirent;
exports.readFileSync = readFileSync;
exports.writeFileSync = writeFileSync;
exports.appendFileSync = appendFileSync;
exports.existsSync = existsSync;
exports.statSync = statSync;
exports.lstatSync = lstatSync;
exports.accessSync = accessSync;
exports.readdirSync = readdirSync;
exports.mkdirSync = mkdirSync;
exports.rmSync = rmSync;
exports.unlinkSync = unlinkSync;
exports.rmdirSync = rmdirSync;
exports.exists = exists;
for (const [name, sync] of Object.entries({
       readFile: readFileSync, writeFile: writeFileSync, appendFile: appendFileSync,
       stat: statSync, lstat: lstatSync, access: accessSync, readdir: readdirSync,
       mkdir: mkdirSync, rm: rmSync, unlink: unlinkSync, rmdir: rmdirSync})) {
  exports[name] = callbackForm(sync, name);
}
Object.defineProperty(exports, 'promises', {
  enumerable: true,
  get() { return require('node/fs/promises'); },
});
