'use strict';
// DOMException (WebIDL): an Error-like object with a name and a legacy code.

const legacyCodes = {
  IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4,
  InvalidCharacterError: 5, NoModificationAllowedError: 7, NotFoundError: 8,
  NotSupportedError: 9, InUseAttributeError: 10, InvalidStateError: 11,
  SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14,
  InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18,
  NetworkError: 19, AbortError: 20, URLMismatchError: 21,
  QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24,
  DataCloneError: 25,
};

const internals = new WeakMap();

function slots(self, what) {
  const state = internals.get(self);
  if (state === undefined) {
    throw new TypeError(`DOMException.prototype.${what} called on an object that is not a DOMException`);
  }
  return state;
}

class DOMException extends Error {
  constructor(message = '', options = 'Error') {
    super();
    // The message is an own property as with Error, so stacks show it.
    let name = 'Error';
    let cause;
    let hasCause = false;
    if (options !== null && typeof options === 'object') {
      if ('name' in options) name = String(options.name);
      if ('cause' in options) {
        cause = options.cause;
        hasCause = true;
      }
    } else {
      name = String(options);
    }
    message = String(message);
    internals.set(this, { message, name });
    Object.defineProperty(this, 'message', {
      value: message, writable: true, enumerable: false, configurable: true,
    });
    if (hasCause) {
      Object.defineProperty(this, 'cause', {
        value: cause, writable: true, enumerable: false, configurable: true,
      });
    }
    if (typeof Error.captureStackTrace === 'function') {
      Error.captureStackTrace(this, DOMException);
    }
  }

  get name() { return slots(this, 'name').name; }
  get code() { return legacyCodes[slots(this, 'code').name] ?? 0; }
}

// Own `message` shadows this getter; it exists so the prototype has the spec's
// attribute too.
Object.defineProperty(DOMException.prototype, Symbol.toStringTag, {
  value: 'DOMException', configurable: true,
});
for (const key of ['name', 'code']) {
  Object.defineProperty(DOMException.prototype, key, { enumerable: true });
}
const constants = [
  'INDEX_SIZE_ERR', 1, 'DOMSTRING_SIZE_ERR', 2, 'HIERARCHY_REQUEST_ERR', 3,
  'WRONG_DOCUMENT_ERR', 4, 'INVALID_CHARACTER_ERR', 5, 'NO_DATA_ALLOWED_ERR', 6,
  'NO_MODIFICATION_ALLOWED_ERR', 7, 'NOT_FOUND_ERR', 8, 'NOT_SUPPORTED_ERR', 9,
  'INUSE_ATTRIBUTE_ERR', 10, 'INVALID_STATE_ERR', 11, 'SYNTAX_ERR', 12,
  'INVALID_MODIFICATION_ERR', 13, 'NAMESPACE_ERR', 14, 'INVALID_ACCESS_ERR', 15,
  'VALIDATION_ERR', 16, 'TYPE_MISMATCH_ERR', 17, 'SECURITY_ERR', 18,
  'NETWORK_ERR', 19, 'ABORT_ERR', 20, 'URL_MISMATCH_ERR', 21,
  'QUOTA_EXCEEDED_ERR', 22, 'TIMEOUT_ERR', 23, 'INVALID_NODE_TYPE_ERR', 24,
  'DATA_CLONE_ERR', 25,
];
for (let i = 0; i < constants.length; i += 2) {
  const descriptor = { value: constants[i + 1], enumerable: true };
  Object.defineProperty(DOMException, constants[i], descriptor);
  Object.defineProperty(DOMException.prototype, constants[i], descriptor);
}

exports.DOMException = DOMException;
