// node:tty: a plugin never holds a terminal (its output goes to the host's
// log), so isatty() is false for every descriptor, and the stream classes
// refuse to be built. Enough for packages that probe for colour support.
'use strict';

function refused(name) {
  return function () {
    const error = new Error(`tty.${name} is not available to a duet plugin: a plugin has no ` +
                            'terminal (tty.isatty() is always false)');
    error.code = 'ERR_DUET_TTY_REFUSED';
    throw error;
  };
}

module.exports = {
  isatty: () => false,
  ReadStream: refused('ReadStream'),
  WriteStream: refused('WriteStream'),
};
