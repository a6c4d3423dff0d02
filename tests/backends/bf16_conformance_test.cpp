// The bf16 products (ABI 1.3) of every accelerated backend, one thread and
// two, against the reference's emulation, and the emulation itself against
// float32.
//
// Tolerances. bf16 keeps 8 significant bits, so rounding an input to it
// changes it by at most u = 2^-8 relative (its unit roundoff). The
// product of two bf16 values has at most 16 significant bits and is exact in
// float32 (24), so a bf16 kernel and the reference sum the very same terms
// and differ only by float32 summation: the bound of conformance_support.hpp,
// 2 gamma(L) M, with M the sum of the rounded terms' absolute values and L
// the reduction length plus the roundings around it. Against a float32
// product of the unrounded inputs, each term moves by at most (1 + u)^2 - 1
// = 2^-7 + 2^-16 relative to the unrounded term, which is at most 1 / (1 -
// u)^2 times the rounded one M is made of, so |bf16 result - float32 result|
// <= 1.01 * 2^-7 M + 2 gamma(L) M (1.01 covers both factors).
#define BOOST_TEST_MODULE bf16_conformance
#include "backend_test_support.hpp"
#include "conformance_support.hpp"

#include "mlrun/abi/mlrun_bf16.h"
#include "mlrun/backend/window_geometry.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <cmath>
#include <cstring>
#include <limits>

namespace bdata = boost::unit_test::data;
using namespace mlrun;
using namespace mlrun::test;

namespace {

float from_bits(std::uint32_t bits)
{
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

std::uint32_t bits_of(float f)
{
    std::uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    return bits;
}

std::vector<float> rounded(const std::vector<float>& v)
{
    std::vector<float> r(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) r[i] = mlrun_bf16_round(v[i]);
    return r;
}

std::vector<float> absolute_values(const std::vector<float>& v)
{
    std::vector<float> a(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) a[i] = std::fabs(v[i]);
    return a;
}

std::vector<double> widened(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

// |got - want| <= (1.01 * 2^-7 + 2 gamma(terms)) magnitude, and some entries
// differ (the inputs really were rounded).
void expect_bf16_close_to_float32(const std::vector<float>& got, const std::vector<float>& want,
                                  const std::vector<double>& magnitude, double terms, const std::string& what)
{
    const double factor = 1.01 * std::ldexp(1.0, -7) + 2.0 * gamma_of(terms);
    std::size_t differing = 0, failures = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        if (got[i] != want[i]) ++differing;
        if (std::fabs(static_cast<double>(got[i]) - want[i]) > factor * magnitude[i]) ++failures;
    }
    BOOST_TEST(failures == 0u, what << ": " << failures << " results further from float32 than bf16 rounding allows");
    BOOST_TEST(differing > 0u, what << ": equal to float32 everywhere: the inputs were not rounded to bf16");
}

}  // namespace

BOOST_AUTO_TEST_CASE(rounding_is_to_nearest_even_and_keeps_specials)
{
    BOOST_TEST(mlrun_bf16_round(1.0f) == 1.0f);
    BOOST_TEST(mlrun_bf16_round(-2.5f) == -2.5f);  // exact in bf16
    // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even 1.
    BOOST_TEST(mlrun_bf16_round(1.0f + std::ldexp(1.0f, -8)) == 1.0f);
    // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 and 1 + 2^-6: to the even 1 + 2^-6.
    BOOST_TEST(mlrun_bf16_round(1.0f + 3.0f * std::ldexp(1.0f, -8)) == 1.0f + std::ldexp(1.0f, -6));
    // Just above the halfway point rounds up.
    BOOST_TEST(mlrun_bf16_round(from_bits(0x3f808001u)) == from_bits(0x3f810000u));
    BOOST_TEST(mlrun_bf16_round(from_bits(0x3f807fffu)) == 1.0f);
    BOOST_TEST(std::isinf(mlrun_bf16_round(std::numeric_limits<float>::infinity())));
    BOOST_TEST(std::isinf(mlrun_bf16_round(std::numeric_limits<float>::max())));  // past bf16's largest finite value
    const float nan = mlrun_bf16_round(from_bits(0x7f800001u));  // a NaN whose payload lies in the dropped bits
    BOOST_TEST(std::isnan(nan));
    BOOST_TEST((bits_of(nan) & 0xffffu) == 0u);
    BOOST_TEST(mlrun_bf16_round(from_bits(0x00000001u)) == 0.0f);  // the smallest subnormal rounds to zero
}

BOOST_AUTO_TEST_CASE(the_reference_rounds_the_inputs_and_sums_in_float32)
{
    backend reference;
    const std::int64_t m = 17, n = 23, k = 301;
    const std::vector<float> a = random_floats(static_cast<std::size_t>(m * k), 11);
    const std::vector<float> b = random_floats(static_cast<std::size_t>(k * n), 12);
    std::vector<float> got(static_cast<std::size_t>(m * n)), on_rounded(got.size()), exact(got.size()), mag(got.size());
    reference.gemm_bf16(false, false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, got.data(), n);
    // The float32 kernel on inputs rounded beforehand: the same sums, bit for bit.
    reference.gemm(false, false, m, n, k, 1.0f, rounded(a).data(), k, rounded(b).data(), n, 0.0f, on_rounded.data(), n);
    BOOST_TEST(got == on_rounded, boost::test_tools::per_element());
    reference.gemm(false, false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, exact.data(), n);
    reference.gemm(false, false, m, n, k, 1.0f, absolute_values(a).data(), k, absolute_values(b).data(), n, 0.0f,
                   mag.data(), n);
    expect_bf16_close_to_float32(got, exact, widened(mag), static_cast<double>(k + 2), "gemm_bf16");
}

namespace {

struct gemm_shape {
    bool trans_a, trans_b;
    std::int64_t m, n, k;
    float alpha, beta;
};

std::ostream& operator<<(std::ostream& out, const gemm_shape& s)
{
    return out << (s.trans_a ? "T" : "N") << (s.trans_b ? "T" : "N") << " " << s.m << "x" << s.n << "x" << s.k
               << " alpha=" << s.alpha << " beta=" << s.beta;
}

// The tutorial MLP's three products at batch 32, and odd shapes.
const gemm_shape gemm_shapes[] = {
    {false, false, 32, 512, 784, 1.0f, 0.0f}, {true, false, 784, 512, 32, 1.0f, 0.0f},
    {false, true, 32, 784, 512, 1.0f, 0.0f},  {false, false, 1, 1, 1, 1.0f, 0.0f},
    {true, true, 31, 37, 41, -0.5f, 1.0f},    {false, true, 7, 1, 513, 2.0f, 0.5f},
};

}  // namespace

BOOST_DATA_TEST_CASE(gemm_bf16_matches_the_reference, bdata::make(accelerated_backends()) * bdata::make(gemm_shapes),
                     choice, s)
{
    const std::int64_t lda = s.trans_a ? s.m : s.k, ldb = s.trans_b ? s.k : s.n;
    const std::vector<float> a = random_floats(static_cast<std::size_t>(s.m * s.k), 21);
    const std::vector<float> b = random_floats(static_cast<std::size_t>(s.k * s.n), 22);
    const std::vector<float> c_start = random_floats(static_cast<std::size_t>(s.m * s.n), 23);
    backend reference;
    std::vector<float> want = c_start, mag(c_start.size(), 0.0f);
    reference.gemm_bf16(s.trans_a, s.trans_b, s.m, s.n, s.k, s.alpha, a.data(), lda, b.data(), ldb, s.beta,
                        want.data(), s.n);
    // M = |alpha| sum |a16 b16| + |beta c|: the rounded terms' magnitudes.
    std::vector<float> old_m = absolute_values(c_start);
    mag = old_m;
    reference.gemm(s.trans_a, s.trans_b, s.m, s.n, s.k, std::fabs(s.alpha), absolute_values(rounded(a)).data(), lda,
                   absolute_values(rounded(b)).data(), ldb, std::fabs(s.beta), mag.data(), s.n);
    const std::unique_ptr<backend> candidate = make_backend(choice);
    std::vector<float> got = c_start;
    candidate->gemm_bf16(s.trans_a, s.trans_b, s.m, s.n, s.k, s.alpha, a.data(), lda, b.data(), ldb, s.beta,
                         got.data(), s.n);
    expect_close(got, want, widened(mag), static_cast<double>(s.k + 2), "gemm_bf16");
}

namespace {

struct conv_shape {
    const char* name;
    mlrun_conv2d_shape s;
};

std::ostream& operator<<(std::ostream& out, const conv_shape& c) { return out << c.name; }

mlrun_conv2d_shape conv(std::int64_t batch, std::int64_t h, std::int64_t w, std::int64_t c_in, std::int64_t c_out,
                        std::int64_t k, std::int64_t stride, std::int64_t groups)
{
    mlrun_conv2d_shape s{batch, h, w, c_in, 0, 0, c_out, k, k, stride, stride, 1, 1, 0, 0, 0, 0, groups};
    s.out_height = window_geometry::output_length(h, k, stride, 1, {0, 0});
    s.out_width = window_geometry::output_length(w, k, stride, 1, {0, 0});
    return s;
}

const conv_shape conv_shapes[] = {
    {"fashion-mnist conv1", conv(8, 28, 28, 1, 32, 3, 1, 1)},
    {"fashion-mnist conv2", conv(8, 13, 13, 32, 64, 3, 1, 1)},
    {"stride 2, groups 2", conv(2, 9, 8, 6, 4, 3, 2, 2)},
    {"depthwise", conv(2, 7, 7, 5, 5, 3, 1, 5)},
};

std::size_t count(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t d)
{
    return static_cast<std::size_t>(a * b * c * d);
}

}  // namespace

BOOST_DATA_TEST_CASE(convolution_bf16_matches_the_reference, bdata::make(conv_shapes), c)
{
    const mlrun_conv2d_shape& s = c.s;
    const std::vector<float> x = random_floats(count(s.batch, s.in_height, s.in_width, s.in_channels), 41);
    const std::vector<float> w =
        random_floats(count(s.kernel_height, s.kernel_width, s.in_channels / s.groups, s.out_channels), 42);
    const std::vector<float> dy = random_floats(count(s.batch, s.out_height, s.out_width, s.out_channels), 43);
    backend reference;
    std::vector<float> y(dy.size()), dx(x.size()), dw(w.size());
    reference.conv2d_forward_bf16(s, x.data(), w.data(), y.data());
    reference.conv2d_backward_data_bf16(s, w.data(), dy.data(), dx.data());
    reference.conv2d_backward_weights_bf16(s, x.data(), dy.data(), dw.data());
    // M: the same sums over the rounded inputs' absolute values.
    const std::vector<float> x_m = absolute_values(rounded(x)), w_m = absolute_values(rounded(w)),
                             dy_m = absolute_values(rounded(dy));
    std::vector<float> y_m(y.size()), dx_m(dx.size()), dw_m(dw.size());
    reference.conv2d_forward(s, x_m.data(), w_m.data(), y_m.data());
    reference.conv2d_backward_data(s, w_m.data(), dy_m.data(), dx_m.data());
    reference.conv2d_backward_weights(s, x_m.data(), dy_m.data(), dw_m.data());
    const double taps = static_cast<double>(s.kernel_height * s.kernel_width);
    const double forward_terms = taps * static_cast<double>(s.in_channels / s.groups) + 2.0;
    const double data_terms = taps * static_cast<double>(s.out_channels / s.groups) + 2.0;
    const double weight_terms = static_cast<double>(s.batch * s.out_height * s.out_width) + 2.0;

    // The emulation against float32 on the unrounded inputs.
    std::vector<float> y32(y.size());
    reference.conv2d_forward(s, x.data(), w.data(), y32.data());
    expect_bf16_close_to_float32(y, y32, widened(y_m), forward_terms, "conv2d_forward_bf16");

    for (const backend_choice& choice : accelerated_backends()) {
        BOOST_TEST_CONTEXT(choice)
        {
            const std::unique_ptr<backend> be = make_backend(choice);
            std::vector<float> got_y(y.size(), 1e30f), got_dx(dx.size(), 1e30f), got_dw(dw.size(), 1e30f);
            be->conv2d_forward_bf16(s, x.data(), w.data(), got_y.data());
            be->conv2d_backward_data_bf16(s, w.data(), dy.data(), got_dx.data());
            be->conv2d_backward_weights_bf16(s, x.data(), dy.data(), got_dw.data());
            expect_close(got_y, y, widened(y_m), forward_terms, "conv2d_forward_bf16");
            expect_close(got_dx, dx, widened(dx_m), data_terms, "conv2d_backward_data_bf16");
            expect_close(got_dw, dw, widened(dw_m), weight_terms, "conv2d_backward_weights_bf16");
        }
    }
}

// oneDNN has bf16 kernels exactly where the CPU has bf16 dot-product
// instructions (AVX512_BF16; every AMX CPU has them too): there the onednn
// backend must run its own, elsewhere leave them to the host's emulation.
BOOST_AUTO_TEST_CASE(onednn_is_native_exactly_where_the_cpu_has_bf16_instructions)
{
    const bool cpu_has_bf16 = __builtin_cpu_supports("avx512bf16") != 0;
    const std::unique_ptr<backend> onednn = make_backend({"onednn", 1});
    BOOST_TEST(onednn->bf16_native() == cpu_has_bf16,
               "onednn bf16_native: " << onednn->bf16_native() << ", CPU has AVX512_BF16: " << cpu_has_bf16);
}
