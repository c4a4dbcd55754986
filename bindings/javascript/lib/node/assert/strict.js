// node:assert/strict: assert's strict mode.
'use strict';
module.exports = require('node/assert').strict;
