/// @file
/// Everything an application needs: `#include "duet/duet.h"` and link
/// duet::duet.
/// Tools use duet/repl.h's prompt (included here too, through host.h). The
/// engine interface (duet/runtime.h), which engines implement, is not.
#ifndef DUET_DUET_H_
#define DUET_DUET_H_

#include "duet/error.h"     // IWYU pragma: export
#include "duet/host.h"      // IWYU pragma: export
#include "duet/json.h"      // IWYU pragma: export
#include "duet/language.h"  // IWYU pragma: export
#include "duet/log.h"       // IWYU pragma: export
#include "duet/manifest.h"  // IWYU pragma: export
#include "duet/repl.h"      // IWYU pragma: export
#include "duet/value.h"     // IWYU pragma: export
#include "duet/version.h"   // IWYU pragma: export

#endif  // DUET_DUET_H_
