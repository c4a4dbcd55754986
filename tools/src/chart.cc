// BenchSvg: the `duet bench --svg` chart. One band per language: a bar to
// the median time per call with a whisker from p10 to p90, and under it a
// thinner bar for the no-op call through duet (the baseline), on a shared
// time axis that starts at zero, so lengths compare honestly.
#include "duet/tools/chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "duet/tools/text.h"

namespace duet::tools {
namespace {

struct Palette {
  const char* bar;     // the function's bar
  const char* stroke;  // outline, whisker, language label
  const char* light;   // the baseline bar
};

// Python's blue and JavaScript's yellow, each with a darker shade that
// reads on white.
Palette ColoursOf(Language language) {
  if (language == Language::kPython) return {"#3572A5", "#1F4E79", "#A9C4E0"};
  return {"#F0DB4F", "#8A7300", "#F8EDA6"};
}

std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        // Control characters are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

// A tick step of 1, 2 or 5 times a power of ten giving about `count` ticks.
double NiceStep(double max, int count) {
  const double raw = max / count;
  const double power = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (raw <= m * power) return m * power;
  }
  return 10 * power;
}

struct Unit {
  double scale;
  const char* name;
};

Unit UnitFor(double seconds) {
  if (seconds < 1e-6) return {1e-9, "ns"};
  if (seconds < 1e-3) return {1e-6, "\u00b5s"};
  if (seconds < 1) return {1e-3, "ms"};
  return {1, "s"};
}

// "2.51 µs": FormatSeconds with the micro sign.
std::string Duration(double seconds) {
  std::string text = FormatSeconds(seconds);
  if (size_t us = text.find(" us"); us != std::string::npos) {
    text.replace(us, 3, " \u00b5s");
  }
  return text;
}

// "240–251 ns", or "980 ns – 1.02 µs" across units.
std::string Range(double low, double high) {
  const std::string a = Duration(low), b = Duration(high);
  const size_t space_a = a.rfind(' '), space_b = b.rfind(' ');
  if (space_a != std::string::npos && space_b != std::string::npos &&
      a.substr(space_a) == b.substr(space_b)) {
    return absl::StrCat(a.substr(0, space_a), "\u2013", b);
  }
  return absl::StrCat(a, " \u2013 ", b);
}

std::string Tick(double value) {
  char text[32];
  if (value == std::floor(value)) {
    std::snprintf(text, sizeof text, "%.0f", value);
  } else {
    std::snprintf(text, sizeof text, "%g", value);
  }
  return text;
}

std::string Capitalised(Language language) {
  return language == Language::kPython ? "Python" : "JavaScript";
}

}  // namespace

std::string BenchSvg(const BenchReport& report) {
  const double width = 860;
  const double left = 150;   // room for the language labels
  const double right = 210;  // room for the value labels
  const double plot_width = width - left - right;
  const double top = 96;
  const double band = 78;  // per language
  const double rows = static_cast<double>(report.rows.size());
  const double plot_height = band * rows;
  const double axis_y = top + plot_height + 6;
  const double height = axis_y + 104;

  double max = 0;
  for (const BenchRow& row : report.rows) {
    max = std::max({max, row.function.p90, row.function.median});
    if (row.baseline) max = std::max(max, row.baseline->p90);
  }
  if (max <= 0) max = 1e-9;
  const Unit unit = UnitFor(max);
  const double step = NiceStep(max / unit.scale, 5);
  const double axis_max = std::ceil(max / unit.scale / step) * step;
  auto x = [&](double seconds) {
    return left + plot_width * std::min(1.0, seconds / unit.scale / axis_max);
  };

  std::string svg = absl::StrCat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"", Number(width),
      "\" height=\"", Number(height), "\" viewBox=\"0 0 ", Number(width), " ",
      Number(height),
      "\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, "
      "'Helvetica Neue', Arial, sans-serif\" font-size=\"13\" "
      "fill=\"#222\">\n");
  absl::StrAppend(&svg,
                  "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");

  // Title: the call, then the verdict in the fastest language's colour.
  // About 74 characters fit the width at the title's size.
  const size_t room =
      report.module.size() < 40 ? 73 - report.module.size() : 33;
  const std::string call = absl::StrCat(
      report.module, ".", CallLabel(report.function, report.args, room));
  absl::StrAppend(&svg,
                  "<text x=\"24\" y=\"34\" font-size=\"19\" "
                  "font-weight=\"600\">",
                  Escape(call), "</text>\n");
  const BenchRow* fastest = report.fastest();
  const BenchRow* slowest = report.slowest();
  std::string verdict;
  if (std::optional<Comparison> comparison = report.comparison();
      comparison && !comparison->clear) {
    verdict = absl::StrCat("No clear difference between ",
                           Capitalised(fastest->language), " and ",
                           Capitalised(slowest->language));
  } else if (report.rows.size() > 1 && fastest != nullptr) {
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%.2f", report.ratio());
    verdict =
        absl::StrCat(Capitalised(fastest->language), " is ", ratio,
                     "\u00d7 faster than ", Capitalised(slowest->language));
  } else if (fastest != nullptr) {
    verdict = absl::StrCat(Capitalised(fastest->language), " only");
  }
  absl::StrAppend(
      &svg,
      "<text x=\"24\" y=\"60\" font-size=\"15\" font-weight=\"600\" "
      "fill=\"",
      fastest ? ColoursOf(fastest->language).stroke : "#222", "\">",
      Escape(verdict), "</text>\n");
  absl::StrAppend(&svg,
                  "<text x=\"24\" y=\"80\" font-size=\"12\" fill=\"#666\">"
                  "time per call: bar = median, whisker = p10\u2013p90; "
                  "shorter is faster</text>\n");

  // Grid and axis.
  for (double t = 0; t <= axis_max + step / 2; t += step) {
    const double gx = left + plot_width * (t / axis_max);
    absl::StrAppend(&svg, "<line x1=\"", Number(gx), "\" y1=\"", Number(top),
                    "\" x2=\"", Number(gx), "\" y2=\"", Number(axis_y),
                    "\" stroke=\"", t == 0 ? "#888" : "#e4e4e4",
                    "\" stroke-width=\"1\"/>\n");
    absl::StrAppend(&svg, "<text x=\"", Number(gx), "\" y=\"",
                    Number(axis_y + 18),
                    "\" text-anchor=\"middle\" "
                    "fill=\"#555\">",
                    Tick(t), "</text>\n");
  }
  absl::StrAppend(&svg, "<line x1=\"", Number(left), "\" y1=\"", Number(axis_y),
                  "\" x2=\"", Number(left + plot_width), "\" y2=\"",
                  Number(axis_y), "\" stroke=\"#888\" stroke-width=\"1\"/>\n");
  absl::StrAppend(&svg, "<text x=\"", Number(left + plot_width / 2), "\" y=\"",
                  Number(axis_y + 40),
                  "\" text-anchor=\"middle\" fill=\"#444\">time per call (",
                  unit.name, ")</text>\n");

  // One band per language.
  double y = top;
  for (const BenchRow& row : report.rows) {
    const Palette colours = ColoursOf(row.language);
    const double bar_y = y + 12;
    const double bar_h = 28;
    const double centre = bar_y + bar_h / 2;
    absl::StrAppend(
        &svg, "<text x=\"", Number(left - 14), "\" y=\"", Number(centre + 1),
        "\" text-anchor=\"end\" "
        "font-size=\"15\" font-weight=\"600\" "
        "fill=\"",
        colours.stroke, "\">", Capitalised(row.language), "</text>\n");
    absl::StrAppend(
        &svg, "<text x=\"", Number(left - 14), "\" y=\"", Number(centre + 17),
        "\" text-anchor=\"end\" font-size=\"11\" fill=\"#666\">",
        GroupThousands(static_cast<int64_t>(row.function.calls_per_second)),
        " calls/s</text>\n");
    // The median bar.
    absl::StrAppend(
        &svg, "<rect x=\"", Number(left), "\" y=\"", Number(bar_y),
        "\" width=\"", Number(std::max(1.0, x(row.function.median) - left)),
        "\" height=\"", Number(bar_h), "\" rx=\"2\" fill=\"", colours.bar,
        "\" stroke=\"", colours.stroke, "\" stroke-width=\"1\"/>\n");
    // The p10-p90 whisker, with end caps.
    const double w1 = x(row.function.p10), w2 = x(row.function.p90);
    absl::StrAppend(&svg, "<g stroke=\"#222\" stroke-width=\"1.5\">",
                    "<line x1=\"", Number(w1), "\" y1=\"", Number(centre),
                    "\" x2=\"", Number(w2), "\" y2=\"", Number(centre),
                    "\"/><line x1=\"", Number(w1), "\" y1=\"",
                    Number(centre - 7), "\" x2=\"", Number(w1), "\" y2=\"",
                    Number(centre + 7), "\"/><line x1=\"", Number(w2),
                    "\" y1=\"", Number(centre - 7), "\" x2=\"", Number(w2),
                    "\" y2=\"", Number(centre + 7), "\"/></g>\n");
    const double label_x = std::max(x(row.function.median), w2) + 10;
    absl::StrAppend(
        &svg, "<text x=\"", Number(label_x), "\" y=\"", Number(centre + 5),
        "\"><tspan font-weight=\"600\">", Escape(Duration(row.function.median)),
        "</tspan><tspan dx=\"8\" font-size=\"11\" fill=\"#666\">"
        "p10\u2013p90 ",
        Escape(Range(row.function.p10, row.function.p90)), "</tspan></text>\n");
    // The baseline: the same call to a function that does nothing.
    if (row.baseline) {
      const double base_y = bar_y + bar_h + 6;
      const double base_h = 11;
      absl::StrAppend(&svg, "<rect x=\"", Number(left), "\" y=\"",
                      Number(base_y), "\" width=\"",
                      Number(std::max(1.0, x(row.baseline->median) - left)),
                      "\" height=\"", Number(base_h), "\" fill=\"",
                      colours.light, "\" stroke=\"", colours.stroke,
                      "\" stroke-width=\"0.75\" stroke-dasharray=\"3 2\"/>\n");
      absl::StrAppend(
          &svg, "<text x=\"",
          Number(std::max(x(row.baseline->p90), x(row.baseline->median)) + 8),
          "\" y=\"", Number(base_y + base_h - 1),
          "\" font-size=\"11\" fill=\"#555\">duet no-op ",
          Escape(Duration(row.baseline->median)), "</text>\n");
    }
    y += band;
  }

  // Footnote: how it was measured.
  std::vector<std::string> notes = {absl::StrCat(
      FormatSeconds(report.seconds),
      " of calls per implementation after a warm-up, on one thread.")};
  if (!report.rows.empty() && report.rows[0].baseline) {
    notes.push_back(
        "duet no-op: a function that does nothing, called through duet with "
        "the same arguments \u2014 what the call itself costs.");
  }
  for (size_t i = 0; i < notes.size(); ++i) {
    absl::StrAppend(
        &svg, "<text x=\"24\" y=\"",
        Number(height - 12 - 16 * static_cast<double>(notes.size() - 1 - i)),
        "\" font-size=\"11\" fill=\"#777\">", Escape(notes[i]), "</text>\n");
  }
  absl::StrAppend(&svg, "</svg>\n");
  return svg;
}

}  // namespace duet::tools
