/// @file
/// duet's version. The top-level CMakeLists.txt reads the numbers from here,
/// so this header is the one place a release changes them.
///
/// @code
///   #if DUET_VERSION_AT_LEAST(0, 2, 0)
///     ... use an API added in 0.2 ...
///   #endif
/// @endcode
#ifndef DUET_VERSION_H_
#define DUET_VERSION_H_

/// Incompatible API changes raise it (find_package accepts the same major).
#define DUET_VERSION_MAJOR 0
/// Additions that keep the API compatible raise it.
#define DUET_VERSION_MINOR 1
/// Fixes that change no API raise it.
#define DUET_VERSION_PATCH 0

/// "MAJOR.MINOR.PATCH", as `duet --version` prints it.
#define DUET_VERSION_STRING "0.1.0"

/// Whether these headers are version major.minor.patch or later.
#define DUET_VERSION_AT_LEAST(major, minor, patch) \
  (DUET_VERSION_MAJOR > (major) ||                 \
   (DUET_VERSION_MAJOR == (major) &&               \
    (DUET_VERSION_MINOR > (minor) ||               \
     (DUET_VERSION_MINOR == (minor) && DUET_VERSION_PATCH >= (patch)))))

#endif  // DUET_VERSION_H_
