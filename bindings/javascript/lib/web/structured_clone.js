'use strict';
// structuredClone (HTML): V8's ValueSerializer, the serializer browsers and
// Node use, run in this isolate (native.structuredClone). What it cannot
// clone (functions, symbols, WeakMaps, ...) is a DOMException DataCloneError.

const { DOMException } = require('web/dom_exception');

function isArrayBuffer(value) {
  return Object.prototype.toString.call(value) === '[object ArrayBuffer]';
}

function structuredClone(value, options = undefined) {
  if (arguments.length === 0) {
    throw new TypeError('structuredClone: 1 argument required, but only 0 present');
  }
  let transfer = [];
  if (options !== undefined && options !== null) {
    if (typeof options !== 'object') {
      throw new TypeError('structuredClone: the "options" argument must be an object');
    }
    if (options.transfer !== undefined) {
      if (options.transfer === null || typeof options.transfer[Symbol.iterator] !== 'function') {
        throw new TypeError('structuredClone: options.transfer must be an iterable');
      }
      transfer = Array.from(options.transfer);
    }
  }
  for (let i = 0; i < transfer.length; i++) {
    if (!isArrayBuffer(transfer[i])) {
      throw new DOMException(
          `structuredClone: options.transfer[${i}] is not transferable (only ArrayBuffers are)`,
          'DataCloneError');
    }
    if (transfer.indexOf(transfer[i]) !== i) {
      throw new DOMException(
          `structuredClone: options.transfer[${i}] is listed twice`, 'DataCloneError');
    }
  }
  return native.structuredClone(value, transfer, DOMException);
}

exports.structuredClone = structuredClone;
