// Node's `fs/promises` (also `fs.promises`): the functions of lib/node/fs.js
// returning Promises. Each operation runs on a later microtask.
'use strict';

const fs = require('node/fs');

function promiseForm(sync, name) {
  const wrapper = async function(...args) {
    await undefined;
    return sync(...args);
  };
  Object.defineProperty(wrapper, 'name', {value: name});
  return wrapper;
}

exports.constants = fs.constants;
for (const name of ['readFile', 'writeFile', 'appendFile', 'stat', 'lstat', 'access',
                    'readdir', 'mkdir', 'rm', 'unlink', 'rmdir']) {
  exports[name] = promiseForm(fs[`${name}Sync`], name);
}
