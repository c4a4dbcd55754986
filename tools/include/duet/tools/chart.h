/// @file
/// Charts of tool reports as self-contained SVG, for a page or a pull
/// request (`duet bench --svg FILE`).
#ifndef DUET_TOOLS_CHART_H_
#define DUET_TOOLS_CHART_H_

#include <string>

#include "duet/tools/bench.h"

namespace duet::tools {

/// One band per language: a bar to the median time per call with a whisker
/// from p10 to p90, and under it a thinner bar for the no-op call through
/// duet (the baseline), on a shared time axis that starts at zero. The
/// title names the call and which language is faster by how much.
std::string BenchSvg(const BenchReport& report);

}  // namespace duet::tools

#endif  // DUET_TOOLS_CHART_H_
