// The reference's convolution, pooling and normalization kernels, the
// oracle every other backend is held to: a few outputs worked out by hand
// (TensorFlow's asymmetric "same" padding, average pooling that leaves the
// padding out, Keras's depthwise channel order), then every backward kernel
// against central finite differences of its forward.
//
// The loss is L = sum_j r_j y_j with fixed random r, evaluated in double.
// Inputs are multiples of h = 2^-10 in [-1, 1], so x +- h and x +- 2h are
// exact floats and the differences see exactly the step they divide by.
// Each forward output is the float nearest a double-precision value, so
// one evaluation of L is off by at most E = 2^-24 sum_j |r_j y_j|, and the
// central difference D(h) = (L(x + h) - L(x - h)) / 2h by at most E / h
// from rounding. Its truncation error c h^2 is estimated by Richardson:
// D(2h) is off by 4 c h^2, so |D(h) - D(2h)| = 3 c h^2 bounds it. A
// gradient passes when |analytic - D(h)| <= E / h + |D(h) - D(2h)| +
// 2^-23 |analytic| (its own final rounding). Convolution is linear, so for
// it both terms vanish and the check is exact; max pooling is linear as
// long as no window's largest cell changes, which inputs spaced 16 h
// apart guarantee.
#define BOOST_TEST_MODULE reference_gradient
#include "mlrun/backend/backend.hpp"
#include "mlrun/backend/window_geometry.hpp"
#include "mlrun/core/error.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
using namespace mlrun;

namespace {

constexpr double step = 1.0 / 1024.0;  // h

// Multiples of h in [-1, 1].
std::vector<float> grid_values(std::size_t n, std::uint64_t seed)
{
    std::mt19937_64 gen(seed);
    std::uniform_int_distribution<int> dist(-1024, 1024);
    std::vector<float> v(n);
    for (float& x : v) x = static_cast<float>(dist(gen) * step);
    return v;
}

// Distinct multiples of 16 h, shuffled: no two cells closer than 16 h.
std::vector<float> distinct_values(std::size_t n, std::uint64_t seed)
{
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>((static_cast<double>(i) - n / 2.0) * 16.0 * step);
    std::shuffle(v.begin(), v.end(), std::mt19937_64(seed));
    return v;
}

double loss(const std::vector<float>& y, const std::vector<float>& r, double& rounding)
{
    double total = 0.0, magnitude = 0.0;
    for (std::size_t j = 0; j < y.size(); ++j) {
        total += double{r[j]} * double{y[j]};
        magnitude += std::fabs(double{r[j]} * double{y[j]});
    }
    rounding = std::max(rounding, std::ldexp(magnitude, -24));
    return total;
}

// Checks analytic[i] = dL/dparameters[i] for L = sum r * forward(), forward
// reading `parameters` (which this perturbs and restores).
void check_gradient(const std::string& what, std::vector<float>& parameters, const std::vector<float>& analytic,
                    const std::vector<float>& r, const std::function<std::vector<float>()>& forward)
{
    BOOST_TEST_REQUIRE(analytic.size() == parameters.size());
    std::size_t failures = 0;
    std::ostringstream report;
    for (std::size_t i = 0; i < parameters.size(); ++i) {
        const float kept = parameters[i];
        double rounding = 0.0;
        auto at = [&](double offset) {
            parameters[i] = static_cast<float>(kept + offset);
            return loss(forward(), r, rounding);
        };
        const double d1 = (at(step) - at(-step)) / (2.0 * step);
        const double d2 = (at(2.0 * step) - at(-2.0 * step)) / (4.0 * step);
        parameters[i] = kept;
        const double allowed = rounding / step + std::fabs(d1 - d2) + std::ldexp(std::fabs(analytic[i]), -23);
        if (std::fabs(analytic[i] - d1) <= allowed) continue;
        if (++failures <= 5) {
            report << "\n  [" << i << "] analytic " << analytic[i] << ", finite difference " << d1 << ", allowed "
                   << allowed;
        }
    }
    BOOST_TEST(failures == 0u, what << ": " << failures << " of " << parameters.size()
                                    << " gradients differ from finite differences" << report.str());
}

std::size_t size_of(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t d)
{
    return static_cast<std::size_t>(a * b * c * d);
}

// A convolution from its input, filter and padding; output sizes follow.
mlrun_conv2d_shape conv(std::int64_t batch, std::int64_t h, std::int64_t w, std::int64_t c_in, std::int64_t c_out,
                        std::int64_t kh, std::int64_t kw, std::int64_t sh, std::int64_t sw, std::int64_t dh,
                        std::int64_t dw, window_geometry::padding rows, window_geometry::padding cols,
                        std::int64_t groups)
{
    mlrun_conv2d_shape s{};
    s.batch = batch;
    s.in_height = h;
    s.in_width = w;
    s.in_channels = c_in;
    s.out_channels = c_out;
    s.kernel_height = kh;
    s.kernel_width = kw;
    s.stride_height = sh;
    s.stride_width = sw;
    s.dilation_height = dh;
    s.dilation_width = dw;
    s.pad_top = rows.before;
    s.pad_bottom = rows.after;
    s.pad_left = cols.before;
    s.pad_right = cols.after;
    s.groups = groups;
    s.out_height = window_geometry::output_length(h, kh, sh, dh, rows);
    s.out_width = window_geometry::output_length(w, kw, sw, dw, cols);
    return s;
}

struct conv_case {
    const char* name;
    mlrun_conv2d_shape shape;
};
std::ostream& operator<<(std::ostream& out, const conv_case& c) { return out << c.name; }

const std::vector<conv_case> conv_cases = {
    {"3x3 valid", conv(2, 5, 6, 3, 4, 3, 3, 1, 1, 1, 1, {0, 0}, {0, 0}, 1)},
    {"3x3 stride 2 asymmetric same", conv(2, 6, 7, 2, 3, 3, 3, 2, 2, 1, 1, {0, 1}, {1, 1}, 1)},
    {"stride 3 > kernel 2", conv(1, 7, 8, 2, 2, 2, 2, 3, 3, 1, 1, {0, 0}, {1, 0}, 1)},
    {"dilation 2", conv(1, 7, 7, 2, 3, 3, 2, 1, 2, 2, 2, {2, 1}, {0, 2}, 1)},
    {"1x1", conv(3, 3, 4, 5, 2, 1, 1, 1, 1, 1, 1, {0, 0}, {0, 0}, 1)},
    {"groups 2", conv(1, 5, 5, 4, 6, 3, 3, 1, 1, 1, 1, {1, 1}, {1, 1}, 2)},
    {"depthwise multiplier 2", conv(2, 5, 4, 3, 6, 3, 3, 2, 1, 1, 1, {1, 1}, {1, 1}, 3)},
    {"1-D, height 1", conv(2, 1, 9, 3, 2, 1, 4, 1, 2, 1, 1, {0, 0}, {1, 2}, 1)},
};

std::size_t filter_size(const mlrun_conv2d_shape& s)
{
    return size_of(s.kernel_height, s.kernel_width, s.in_channels / s.groups, s.out_channels);
}

std::string error_of(const std::function<void()>& body)
{
    try {
        body();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no error)";
}

mlrun_pool2d_shape pool(std::int64_t batch, std::int64_t h, std::int64_t w, std::int64_t c, std::int64_t kh,
                        std::int64_t kw, std::int64_t sh, std::int64_t sw, window_geometry::padding rows,
                        window_geometry::padding cols)
{
    mlrun_pool2d_shape s{};
    s.batch = batch;
    s.in_height = h;
    s.in_width = w;
    s.channels = c;
    s.window_height = kh;
    s.window_width = kw;
    s.stride_height = sh;
    s.stride_width = sw;
    s.pad_top = rows.before;
    s.pad_bottom = rows.after;
    s.pad_left = cols.before;
    s.pad_right = cols.after;
    s.out_height = window_geometry::output_length(h, kh, sh, 1, rows);
    s.out_width = window_geometry::output_length(w, kw, sw, 1, cols);
    return s;
}

struct pool_case {
    const char* name;
    mlrun_pool2d_shape shape;
};
std::ostream& operator<<(std::ostream& out, const pool_case& c) { return out << c.name; }

const std::vector<pool_case> pool_cases = {
    {"2x2 stride 2", pool(2, 6, 6, 3, 2, 2, 2, 2, {0, 0}, {0, 0})},
    {"3x3 stride 2 asymmetric same", pool(1, 7, 6, 2, 3, 3, 2, 2, {1, 1}, {0, 1})},
    {"3x3 stride 1 overlapping", pool(2, 5, 5, 2, 3, 3, 1, 1, {1, 1}, {1, 1})},
    {"2x2 stride 3 > window", pool(1, 8, 7, 2, 2, 2, 3, 3, {0, 0}, {0, 1})},
};

const std::vector<int> poolings = {MLRUN_POOLING_MAX, MLRUN_POOLING_AVERAGE};

}  // namespace

BOOST_AUTO_TEST_SUITE(semantics)

// TensorFlow's "same" with stride 2 on 4x4 pads one row and column at the
// bottom and right only: the windows start at 0 and 2.
BOOST_AUTO_TEST_CASE(same_padding_is_tensorflows_asymmetric_one)
{
    const window_geometry::padding p = window_geometry::same_padding(4, 3, 2, 1);
    BOOST_TEST(p.before == 0);
    BOOST_TEST(p.after == 1);
    const mlrun_conv2d_shape s = conv(1, 4, 4, 1, 1, 3, 3, 2, 2, 1, 1, p, p, 1);
    BOOST_TEST_REQUIRE(s.out_height == 2);
    std::vector<float> x(16);
    std::iota(x.begin(), x.end(), 1.0f);  // 1..16, row-major
    const std::vector<float> w(9, 1.0f);
    std::vector<float> y(4);
    backend be;
    be.conv2d_forward(s, x.data(), w.data(), y.data());
    BOOST_TEST(y == (std::vector<float>{54.0f, 45.0f, 72.0f, 54.0f}), boost::test_tools::per_element());
}

// Keras's depthwise kernel KH x KW x C x M is the grouped HWIO filter as it
// is: output channel c * M + m is input channel c times w[c, m].
BOOST_AUTO_TEST_CASE(depthwise_output_channels_are_input_channel_major)
{
    const mlrun_conv2d_shape s = conv(1, 1, 1, 2, 4, 1, 1, 1, 1, 1, 1, {0, 0}, {0, 0}, 2);
    const std::vector<float> x = {2.0f, 3.0f};
    const std::vector<float> w = {1.0f, 10.0f, 100.0f, 1000.0f};  // [c0 m0, c0 m1, c1 m0, c1 m1]
    std::vector<float> y(4);
    backend be;
    be.conv2d_forward(s, x.data(), w.data(), y.data());
    BOOST_TEST(y == (std::vector<float>{2.0f, 20.0f, 300.0f, 3000.0f}), boost::test_tools::per_element());
}

// Average pooling divides by the cells inside the input: the corner window
// of a "same" 2x2 pool over 3x3 holds one cell.
BOOST_AUTO_TEST_CASE(average_pooling_leaves_the_padding_out)
{
    const mlrun_pool2d_shape s = pool(1, 3, 3, 1, 2, 2, 1, 1, {0, 1}, {0, 1});
    std::vector<float> x(9);
    std::iota(x.begin(), x.end(), 1.0f);
    std::vector<float> y(9), max_y(9);
    std::vector<std::int32_t> argmax(9);
    backend be;
    be.pool2d_forward(MLRUN_POOLING_AVERAGE, s, x.data(), y.data(), nullptr);
    BOOST_TEST(y == (std::vector<float>{3.0f, 4.0f, 4.5f, 6.0f, 7.0f, 7.5f, 7.5f, 8.5f, 9.0f}),
               boost::test_tools::per_element());
    be.pool2d_forward(MLRUN_POOLING_MAX, s, x.data(), max_y.data(), argmax.data());
    BOOST_TEST(max_y == (std::vector<float>{5.0f, 6.0f, 6.0f, 8.0f, 9.0f, 9.0f, 8.0f, 9.0f, 9.0f}),
               boost::test_tools::per_element());
    // Window-local positions (kh * 2 + kw): the bottom-right cell, or the one left in the input.
    BOOST_TEST(argmax == (std::vector<std::int32_t>{3, 3, 2, 3, 3, 2, 1, 1, 0}), boost::test_tools::per_element());
}

// Ties go to the first largest cell in window order.
BOOST_AUTO_TEST_CASE(max_pooling_ties_go_to_the_first_cell)
{
    const mlrun_pool2d_shape s = pool(1, 2, 2, 1, 2, 2, 1, 1, {0, 0}, {0, 0});
    const std::vector<float> x = {1.0f, 4.0f, 4.0f, 4.0f};
    std::vector<float> y(1), dx(4);
    std::vector<std::int32_t> argmax(1);
    const std::vector<float> dy = {1.0f};
    backend be;
    be.pool2d_forward(MLRUN_POOLING_MAX, s, x.data(), y.data(), argmax.data());
    BOOST_TEST(argmax[0] == 1);
    be.pool2d_backward(MLRUN_POOLING_MAX, s, x.data(), nullptr, dy.data(), dx.data());
    BOOST_TEST(dx == (std::vector<float>{0.0f, 1.0f, 0.0f, 0.0f}), boost::test_tools::per_element());
}

// Batch statistics per column, biased variance; gamma/beta NULL are 1 and 0.
BOOST_AUTO_TEST_CASE(batch_normalization_uses_the_biased_batch_variance)
{
    const std::vector<float> x = {1.0f, 10.0f, 3.0f, 30.0f};  // 2 rows x 2 channels
    const std::vector<float> gamma = {2.0f, 1.0f}, beta = {0.5f, 0.0f};
    std::vector<float> y(4), mean(2), variance(2), plain(4);
    backend be;
    be.batch_norm_forward_training(2, 2, x.data(), gamma.data(), beta.data(), 0.0f, y.data(), mean.data(),
                                   variance.data());
    BOOST_TEST(mean == (std::vector<float>{2.0f, 20.0f}), boost::test_tools::per_element());
    BOOST_TEST(variance == (std::vector<float>{1.0f, 100.0f}), boost::test_tools::per_element());
    BOOST_TEST(y == (std::vector<float>{-1.5f, -1.0f, 2.5f, 1.0f}), boost::test_tools::per_element());
    be.batch_norm_forward_inference(2, 2, x.data(), nullptr, nullptr, mean.data(), variance.data(), 0.0f,
                                    plain.data());
    BOOST_TEST(plain == (std::vector<float>{-1.0f, -1.0f, 1.0f, 1.0f}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_shape_whose_sizes_disagree_is_refused_naming_them)
{
    mlrun_conv2d_shape s = conv(1, 5, 5, 1, 1, 3, 3, 1, 1, 1, 1, {0, 0}, {0, 0}, 1);
    s.out_height = 4;
    std::vector<float> x(25), w(9), y(16);
    backend be;
    const std::string error = error_of([&] { be.conv2d_forward(s, x.data(), w.data(), y.data()); });
    BOOST_TEST(error.find("conv2d_forward: height: input 5, window 3, stride 1, dilation 1 and padding 0+0 give 3 "
                          "outputs, the shape says 4") != std::string::npos,
               error);
    s = conv(1, 5, 5, 3, 4, 3, 3, 1, 1, 1, 1, {0, 0}, {0, 0}, 2);
    const std::string groups = error_of([&] { be.conv2d_forward(s, x.data(), w.data(), y.data()); });
    BOOST_TEST(groups.find("groups 2 must divide the input channels (3)") != std::string::npos, groups);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(finite_differences)

BOOST_DATA_TEST_CASE(convolution_gradients, bdata::make(conv_cases), c)
{
    const mlrun_conv2d_shape& s = c.shape;
    backend be;
    std::vector<float> x = grid_values(size_of(s.batch, s.in_height, s.in_width, s.in_channels), 1);
    std::vector<float> w = grid_values(filter_size(s), 2);
    const std::size_t y_size = size_of(s.batch, s.out_height, s.out_width, s.out_channels);
    const std::vector<float> r = grid_values(y_size, 3);
    auto forward = [&] {
        std::vector<float> y(y_size);
        be.conv2d_forward(s, x.data(), w.data(), y.data());
        return y;
    };
    std::vector<float> dx(x.size(), -7.0f), dw(w.size(), -7.0f);  // overwritten, never added to
    be.conv2d_backward_data(s, w.data(), r.data(), dx.data());
    be.conv2d_backward_weights(s, x.data(), r.data(), dw.data());
    check_gradient("conv2d_backward_data", x, dx, r, forward);
    check_gradient("conv2d_backward_weights", w, dw, r, forward);

    // As Conv2DTranspose's forward, backward data's own gradient w.r.t. its
    // input is the convolution's forward.
    std::vector<float> transposed_in = grid_values(y_size, 4);
    const std::vector<float> r_out = grid_values(x.size(), 5);
    std::vector<float> gradient(y_size);
    be.conv2d_forward(s, r_out.data(), w.data(), gradient.data());
    check_gradient("conv2d_backward_data as a transposed convolution", transposed_in, gradient, r_out, [&] {
        std::vector<float> out(x.size());
        be.conv2d_backward_data(s, w.data(), transposed_in.data(), out.data());
        return out;
    });
}

BOOST_DATA_TEST_CASE(pooling_gradients, bdata::make(pool_cases) * bdata::make(poolings), c, pooling)
{
    const mlrun_pool2d_shape& s = c.shape;
    const auto kind = static_cast<mlrun_pooling>(pooling);
    backend be;
    std::vector<float> x = distinct_values(size_of(s.batch, s.in_height, s.in_width, s.channels), 6);
    const std::size_t y_size = size_of(s.batch, s.out_height, s.out_width, s.channels);
    const std::vector<float> r = grid_values(y_size, 7);
    auto forward = [&] {
        std::vector<float> y(y_size);
        be.pool2d_forward(kind, s, x.data(), y.data(), nullptr);
        return y;
    };
    std::vector<float> y(y_size), dx(x.size(), -7.0f), dx_found(x.size(), -7.0f);
    std::vector<std::int32_t> argmax(y_size, -1);
    be.pool2d_forward(kind, s, x.data(), y.data(), argmax.data());
    be.pool2d_backward(kind, s, x.data(), argmax.data(), r.data(), dx.data());
    check_gradient("pool2d_backward", x, dx, r, forward);
    // Max pooling without the index workspace finds the same cells again.
    be.pool2d_backward(kind, s, x.data(), nullptr, r.data(), dx_found.data());
    BOOST_TEST(dx_found == dx, boost::test_tools::per_element());
}

BOOST_DATA_TEST_CASE(batch_normalization_gradients, bdata::make(std::vector<int>{0, 1}) * bdata::make(std::vector<std::int64_t>{1, 5, 13}), batch_statistics,
                     rows)
{
    const std::int64_t channels = 3;
    const auto n = static_cast<std::size_t>(rows * channels);
    backend be;
    std::vector<float> x = grid_values(n, 8), gamma = grid_values(channels, 9), beta = grid_values(channels, 10);
    const std::vector<float> r = grid_values(n, 11);
    const float epsilon = 1e-3f;
    // The inference forward's statistics are constants: those of the unperturbed x.
    std::vector<float> mean(channels), variance(channels), y(n);
    be.batch_norm_forward_training(rows, channels, x.data(), gamma.data(), beta.data(), epsilon, y.data(),
                                   mean.data(), variance.data());
    auto forward = [&] {
        std::vector<float> out(n), m(channels), v(channels);
        if (batch_statistics) {
            be.batch_norm_forward_training(rows, channels, x.data(), gamma.data(), beta.data(), epsilon, out.data(),
                                           m.data(), v.data());
        } else {
            be.batch_norm_forward_inference(rows, channels, x.data(), gamma.data(), beta.data(), mean.data(),
                                            variance.data(), epsilon, out.data());
        }
        return out;
    };
    std::vector<float> dx(n), dgamma(channels), dbeta(channels);
    be.batch_norm_backward(batch_statistics != 0, rows, channels, x.data(), r.data(), gamma.data(), mean.data(),
                           variance.data(), epsilon, dx.data(), dgamma.data(), dbeta.data());
    check_gradient("batch_norm_backward dx", x, dx, r, forward);
    check_gradient("batch_norm_backward dgamma", gamma, dgamma, r, forward);
    check_gradient("batch_norm_backward dbeta", beta, dbeta, r, forward);
}

BOOST_DATA_TEST_CASE(layer_normalization_gradients, bdata::make(std::vector<std::int64_t>{1, 4}) * bdata::make(std::vector<std::int64_t>{2, 7, 16}), rows, cols)
{
    const auto n = static_cast<std::size_t>(rows * cols);
    backend be;
    std::vector<float> x = grid_values(n, 12), gamma = grid_values(cols, 13), beta = grid_values(cols, 14);
    const std::vector<float> r = grid_values(n, 15);
    const float epsilon = 1e-3f;
    std::vector<float> mean(rows), variance(rows), y(n);
    be.layer_norm_forward(rows, cols, x.data(), gamma.data(), beta.data(), epsilon, y.data(), mean.data(),
                          variance.data());
    auto forward = [&] {
        std::vector<float> out(n), m(rows), v(rows);
        be.layer_norm_forward(rows, cols, x.data(), gamma.data(), beta.data(), epsilon, out.data(), m.data(),
                              v.data());
        return out;
    };
    std::vector<float> dx(n), dgamma(cols), dbeta(cols);
    be.layer_norm_backward(rows, cols, x.data(), r.data(), gamma.data(), mean.data(), variance.data(), epsilon,
                           dx.data(), dgamma.data(), dbeta.data());
    check_gradient("layer_norm_backward dx", x, dx, r, forward);
    check_gradient("layer_norm_backward dgamma", gamma, dgamma, r, forward);
    check_gradient("layer_norm_backward dbeta", beta, dbeta, r, forward);
}

BOOST_AUTO_TEST_SUITE_END()
