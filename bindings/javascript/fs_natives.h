// The natives behind the `fs` and `fs/promises` library modules
// (lib/node/fs.js) and process.env: file access confined to plugin.toml's
// [permissions] (docs/javascript.md "Permissions").
#ifndef DUET_BINDINGS_JAVASCRIPT_FS_NATIVES_H_
#define DUET_BINDINGS_JAVASCRIPT_FS_NATIVES_H_

#include "v8.h"

namespace duet::js {

// Adds permissions and fsNatives to `native`; fsNatives() makes fsGranted,
// fsReadFile, fsWriteFile, fsStat, fsExists, fsReaddir, fsMkdir and
// fsRemove on first use. Every path is resolved
// against the plugin folder with `..` and symlinks followed, then must lie
// inside a granted read (reads) or write (writes) path of the calling
// engine's [permissions]; the file is reached through a directory handle
// checked after it was opened, so a symlink swapped in meanwhile cannot
// lead out. False when V8 could not add them.
bool InstallFsNatives(v8::Local<v8::Context> context,
                      v8::Local<v8::Object> native);

}  // namespace duet::js

#endif  // DUET_BINDINGS_JAVASCRIPT_FS_NATIVES_H_
