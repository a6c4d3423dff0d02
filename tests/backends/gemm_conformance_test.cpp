// gemm of every accelerated backend against the reference, on the MLP's
// shapes, on shapes with 1 and prime sizes, and on random shapes with
// random transposes, scalars and padded rows.
#include "backend_test_support.hpp"
#include "conformance_support.hpp"

#include "mlrun/core/error.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <limits>
#include <map>
#include <ostream>
#include <sstream>

namespace bdata = boost::unit_test::data;
using namespace mlrun;
using namespace mlrun::test;

namespace {

struct gemm_case {
    bool trans_a = false;
    bool trans_b = false;
    std::int64_t m = 1, n = 1, k = 1;
    float alpha = 1.0f;
    float beta = 0.0f;
    std::int64_t padding = 0;  // extra floats at the end of every stored row
};

std::ostream& operator<<(std::ostream& out, const gemm_case& c)
{
    return out << (c.trans_a ? "T" : "N") << (c.trans_b ? "T" : "N") << " m=" << c.m << " n=" << c.n
               << " k=" << c.k << " alpha=" << c.alpha << " beta=" << c.beta << " pad=" << c.padding;
}

std::vector<gemm_case> gemm_cases()
{
    std::vector<gemm_case> cases = {
        // The tutorial MLP at batch 32: forward, weight gradients, input gradient.
        {false, false, 32, 512, 784},
        {true, false, 784, 512, 32},
        {false, false, 32, 10, 512},
        {true, false, 512, 10, 32},
        {false, true, 32, 512, 10},
        // ... at batch 256, and the last batch of 10,000 test images at 32.
        {false, false, 256, 512, 784},
        {true, false, 784, 512, 256},
        {false, false, 16, 512, 784},
        // Sizes of 1 and primes.
        {false, false, 1, 1, 1},
        {true, true, 1, 1, 1, -2.0f, 0.5f},
        {false, false, 1, 512, 784},
        {false, true, 7, 1, 13},
        {true, false, 1, 17, 1, 0.5f, 1.0f},
        {false, false, 31, 37, 41},
        {true, true, 61, 127, 257, 1.0f, 1.0f, 3},
        {false, true, 101, 3, 499, -1.0f, 0.0f, 1},
        {true, false, 2, 997, 5},
    };
    // Random shapes, transposes, scalars and padding, from a fixed seed.
    std::mt19937_64 gen(20240601);
    std::uniform_int_distribution<std::int64_t> dim(1, 200);
    std::uniform_int_distribution<int> pick(0, 3);
    const float alphas[] = {1.0f, -0.5f, 2.25f, 0.125f};
    const float betas[] = {0.0f, 1.0f, 0.5f, -1.5f};
    for (int i = 0; i < 24; ++i) {
        gemm_case c;
        c.trans_a = pick(gen) % 2 == 1;
        c.trans_b = pick(gen) % 2 == 1;
        c.m = dim(gen);
        c.n = dim(gen);
        c.k = dim(gen);
        c.alpha = alphas[pick(gen)];
        c.beta = betas[pick(gen)];
        c.padding = pick(gen) == 0 ? 5 : 0;
        cases.push_back(c);
    }
    return cases;
}

constexpr float padding_mark = 777.0f;  // must come back untouched

// The inputs of a case, the reference's result and the magnitudes M, made
// once per case and shared by the backends compared on it.
struct gemm_run {
    std::int64_t lda, ldb, ldc;
    std::vector<float> a, b, c_start, want;
    std::vector<double> magnitude;
};

const gemm_run& reference_run(const gemm_case& c)
{
    static std::map<std::string, gemm_run> runs;
    std::ostringstream key;
    key << c;
    auto found = runs.find(key.str());
    if (found != runs.end()) return found->second;

    gemm_run r;
    // Stored shapes: op(A) is m x k, so A is k x m when transposed.
    const std::int64_t a_rows = c.trans_a ? c.k : c.m, a_cols = c.trans_a ? c.m : c.k;
    const std::int64_t b_rows = c.trans_b ? c.n : c.k, b_cols = c.trans_b ? c.k : c.n;
    r.lda = a_cols + c.padding;
    r.ldb = b_cols + c.padding;
    r.ldc = c.n + c.padding;
    r.a = random_floats(static_cast<std::size_t>(a_rows * r.lda), 1);
    r.b = random_floats(static_cast<std::size_t>(b_rows * r.ldb), 2);
    r.c_start = random_floats(static_cast<std::size_t>(c.m * r.ldc), 3);
    for (std::int64_t i = 0; i < c.m; ++i) {
        for (std::int64_t j = 0; j < r.ldc; ++j) {
            float& v = r.c_start[static_cast<std::size_t>(i * r.ldc + j)];
            if (j >= c.n) v = padding_mark;
            // beta == 0 means C's old content is ignored, NaN included.
            else if (c.beta == 0.0f) v = std::numeric_limits<float>::quiet_NaN();
        }
    }
    r.want = r.c_start;
    backend reference;
    reference.gemm(c.trans_a, c.trans_b, c.m, c.n, c.k, c.alpha, r.a.data(), r.lda, r.b.data(), r.ldb, c.beta,
                   r.want.data(), r.ldc);

    // M = |alpha| sum_p |a_ip b_pj| + |beta c_ij|.
    r.magnitude.assign(r.want.size(), 0.0);
    for (std::int64_t i = 0; i < c.m; ++i) {
        for (std::int64_t j = 0; j < c.n; ++j) {
            double total = 0.0;
            for (std::int64_t p = 0; p < c.k; ++p) {
                const std::size_t at_a = static_cast<std::size_t>(c.trans_a ? p * r.lda + i : i * r.lda + p);
                const std::size_t at_b = static_cast<std::size_t>(c.trans_b ? j * r.ldb + p : p * r.ldb + j);
                total += std::fabs(static_cast<double>(r.a[at_a]) * r.b[at_b]);
            }
            const std::size_t at = static_cast<std::size_t>(i * r.ldc + j);
            const double old = c.beta == 0.0f ? 0.0 : std::fabs(static_cast<double>(c.beta) * r.c_start[at]);
            r.magnitude[at] = std::fabs(c.alpha) * total + old;
        }
    }
    return runs.emplace(key.str(), std::move(r)).first->second;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gemm_conformance)

BOOST_DATA_TEST_CASE(gemm_matches_reference, bdata::make(accelerated_backends()) * bdata::make(gemm_cases()), choice,
                     c)
{
    const gemm_run& r = reference_run(c);
    const std::unique_ptr<backend> candidate = make_backend(choice);
    std::vector<float> got = r.c_start;
    candidate->gemm(c.trans_a, c.trans_b, c.m, c.n, c.k, c.alpha, r.a.data(), r.lda, r.b.data(), r.ldb, c.beta,
                    got.data(), r.ldc);
    // k products, plus the scaling by alpha, by beta and their sum: L = k + 2.
    expect_close(got, r.want, r.magnitude, static_cast<double>(c.k + 2), "gemm");
    for (float v : got) {
        BOOST_TEST_REQUIRE(!std::isnan(v), "gemm wrote NaN: C's old content must be ignored when beta == 0");
    }
}

// Degenerate sizes: nothing to compute, or C = beta C when k == 0.
BOOST_DATA_TEST_CASE(gemm_handles_empty_sizes, bdata::make(accelerated_backends()), choice)
{
    backend reference;
    const std::unique_ptr<backend> candidate = make_backend(choice);
    const std::vector<float> a = random_floats(64, 4), b = random_floats(64, 5);
    std::vector<float> want = random_floats(16, 6), got = want;
    reference.gemm(false, false, 4, 4, 0, 1.0f, a.data(), 1, b.data(), 4, 0.5f, want.data(), 4);
    candidate->gemm(false, false, 4, 4, 0, 1.0f, a.data(), 1, b.data(), 4, 0.5f, got.data(), 4);
    expect_close(got, want, absolute(want), 1.0, "gemm with k = 0");
    const std::vector<float> before = got;
    candidate->gemm(false, false, 0, 4, 3, 1.0f, a.data(), 3, b.data(), 4, 0.0f, got.data(), 4);
    candidate->gemm(false, false, 4, 0, 3, 1.0f, a.data(), 3, b.data(), 4, 0.0f, got.data(), 4);
    expect_equal(got, before, "gemm with m = 0 or n = 0 must not touch C");
    BOOST_CHECK_THROW(candidate->gemm(false, false, -1, 4, 3, 1.0f, a.data(), 3, b.data(), 4, 0.0f, got.data(), 4),
                      plugin_error);
}

BOOST_AUTO_TEST_SUITE_END()
