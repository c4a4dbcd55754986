/// @file
/// Log lines: what plugins print (print, console.*, duet.log) and the host's
/// own warnings, delivered to the application's LogSink (HostOptions).
#ifndef DUET_LOG_H_
#define DUET_LOG_H_

#include <functional>
#include <string_view>

namespace duet {

/// How serious a log line is; the default sink drops kDebug.
enum class LogLevel { kDebug, kInfo, kWarning, kError };

/// "debug", "info", "warning", "error".
std::string_view LogLevelName(LogLevel level);

/// Receives every log line: the host's own warnings (source "duet"), and what
/// plugins print through duet.log / console.* (source = module name). Called on
/// whichever thread logged; must be thread-safe.
using LogSink = std::function<void(LogLevel level, std::string_view source,
                                   std::string_view message)>;

}  // namespace duet

#endif  // DUET_LOG_H_
