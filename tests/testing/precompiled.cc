// The translation unit that builds tests/testing/precompiled.h's PCH.
#include "testing/precompiled.h"
