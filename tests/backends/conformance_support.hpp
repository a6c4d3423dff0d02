// Random inputs and the comparison every conformance case makes.
//
// Tolerances follow the classic bound for floating-point sums: computing a
// result from L products or terms with any order of summation (and with or
// without fused multiply-adds) leaves an error of at most gamma(L) times
// the sum of the absolute values of the terms, gamma(L) = L u / (1 - L u),
// u = 2^-24 for float. A candidate and the reference each stay within it,
// so they may differ by twice that. Each case states its L (the reduction
// length plus the few roundings around it) and its magnitude M (the sum of
// absolute terms), and allows |candidate - reference| <= 2 gamma(L) M.
#pragma once

#include "mlrun/backend/backend.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace mlrun::test {

inline double gamma_of(double terms)
{
    const double u = std::ldexp(1.0, -24);
    return terms * u / (1.0 - terms * u);
}

inline std::vector<float> random_floats(std::size_t n, std::uint64_t seed, float low = -1.0f, float high = 1.0f)
{
    std::mt19937_64 gen(seed);
    std::uniform_real_distribution<float> dist(low, high);
    std::vector<float> values(n);
    for (float& v : values) v = dist(gen);
    return values;
}

inline std::vector<std::int32_t> random_labels(std::size_t n, std::int32_t classes, std::uint64_t seed)
{
    std::mt19937_64 gen(seed);
    std::uniform_int_distribution<std::int32_t> dist(0, classes - 1);
    std::vector<std::int32_t> labels(n);
    for (auto& l : labels) l = dist(gen);
    return labels;
}

// Rows of non-negative values summing to one, as targets or probabilities.
inline std::vector<float> random_distributions(std::int64_t rows, std::int64_t cols, std::uint64_t seed)
{
    std::vector<float> values = random_floats(static_cast<std::size_t>(rows * cols), seed, 0.0f, 1.0f);
    for (std::int64_t r = 0; r < rows; ++r) {
        float total = 0.0f;
        for (std::int64_t c = 0; c < cols; ++c) total += values[static_cast<std::size_t>(r * cols + c)];
        for (std::int64_t c = 0; c < cols; ++c) values[static_cast<std::size_t>(r * cols + c)] /= total;
    }
    return values;
}

// Checks |got[i] - want[i]| <= 2 gamma(terms) magnitude[i] for every i
// (equality where both are NaN or the same infinity) and reports the
// first offenders with their index.
inline void expect_close(const std::vector<float>& got, const std::vector<float>& want,
                         const std::vector<double>& magnitude, double terms, const std::string& what)
{
    BOOST_TEST_REQUIRE(got.size() == want.size());
    const double factor = 2.0 * gamma_of(terms);
    std::size_t failures = 0;
    std::ostringstream report;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double g = got[i];
        const double w = want[i];
        if (std::isnan(w) && std::isnan(g)) continue;
        if (g == w) continue;
        const double allowed = factor * magnitude[i];
        if (std::fabs(g - w) <= allowed) continue;
        if (++failures <= 5) {
            report << "\n  [" << i << "] got " << g << ", reference " << w << ", allowed difference " << allowed;
        }
    }
    BOOST_TEST(failures == 0u, what << ": " << failures << " of " << got.size()
                                    << " values differ from the reference beyond 2 gamma(" << terms << ") M"
                                    << report.str());
}

// For results computed by selection or copying only: they must be equal.
inline void expect_equal(const std::vector<float>& got, const std::vector<float>& want, const std::string& what)
{
    expect_close(got, want, std::vector<double>(got.size(), 0.0), 0.0, what);
}

inline std::vector<double> absolute(const std::vector<float>& values)
{
    std::vector<double> result(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) result[i] = std::fabs(values[i]);
    return result;
}

inline std::vector<double> at_least_one(const std::vector<float>& values)
{
    std::vector<double> result(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        result[i] = std::max(1.0, static_cast<double>(std::fabs(values[i])));
    }
    return result;
}

}  // namespace mlrun::test
