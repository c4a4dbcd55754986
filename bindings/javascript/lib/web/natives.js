'use strict';
// The web globals' natives (web_natives.cc), made once per isolate on first use.
module.exports = native.webNatives();
