// LineSplitter: lines split across pieces at every possible boundary.
#include "aether/cli/line_splitter.h"

#include <gtest/gtest.h>

#include <vector>

namespace aether::cli {
namespace {

std::vector<std::string> Split(const std::vector<std::string>& pieces, std::string* rest) {
  LineSplitter s;
  std::vector<std::string> lines;
  for (const auto& p : pieces) {
    s.Feed(p, [&](std::string_view l) {
      lines.emplace_back(l);
      return true;
    });
  }
  *rest = s.partial();
  return lines;
}

TEST(LineSplitter, JoinsLinesAcrossEveryCut) {
  const std::string text = "{\"a\":1}\n{\"b\":22}\r\n\n{\"c\":333}\n{\"d\"";
  for (size_t i = 0; i <= text.size(); ++i) {
    for (size_t j = i; j <= text.size(); ++j) {
      std::string rest;
      auto lines = Split({text.substr(0, i), text.substr(i, j - i), text.substr(j)}, &rest);
      ASSERT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":22}", "{\"c\":333}"}))
          << i << "," << j;
      EXPECT_EQ(rest, "{\"d\"");
    }
  }
}

TEST(LineSplitter, StopsWhenTheReaderDoes) {
  LineSplitter s;
  int seen = 0;
  EXPECT_FALSE(s.Feed("1\n2\n3\n", [&](std::string_view) { return ++seen < 2; }));
  EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace aether::cli
