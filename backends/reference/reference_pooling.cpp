// Pooling: each window's cells inside the input, the padding never counted.
#include "reference_internal.hpp"

#include "mlrun/backend/window_geometry.hpp"

#include <algorithm>
#include <string>

namespace mlrun::reference {
namespace {

// The cells of one output's window that lie inside the input: rows
// [row_begin, row_end), columns [col_begin, col_end), and where the
// window itself starts (in input coordinates, possibly in the padding).
struct window {
    std::int64_t top, left;
    std::int64_t row_begin, row_end, col_begin, col_end;

    window(const mlrun_pool2d_shape& s, std::int64_t oh, std::int64_t ow)
        : top(oh * s.stride_height - s.pad_top),
          left(ow * s.stride_width - s.pad_left),
          row_begin(std::max<std::int64_t>(top, 0)),
          row_end(std::min(top + s.window_height, s.in_height)),
          col_begin(std::max<std::int64_t>(left, 0)),
          col_end(std::min(left + s.window_width, s.in_width))
    {
    }
    std::int64_t cells() const { return (row_end - row_begin) * (col_end - col_begin); }
};

std::int64_t x_at(const mlrun_pool2d_shape& s, std::int64_t n, std::int64_t h, std::int64_t w, std::int64_t c)
{
    return ((n * s.in_height + h) * s.in_width + w) * s.channels + c;
}

std::int64_t y_at(const mlrun_pool2d_shape& s, std::int64_t n, std::int64_t h, std::int64_t w, std::int64_t c)
{
    return ((n * s.out_height + h) * s.out_width + w) * s.channels + c;
}

// The window-local position (kh * window_width + kw) of the first largest cell.
std::int32_t first_largest(const mlrun_pool2d_shape& s, const window& win, const float* x, std::int64_t n,
                           std::int64_t c)
{
    std::int64_t best_h = win.row_begin, best_w = win.col_begin;
    for (std::int64_t h = win.row_begin; h < win.row_end; ++h) {
        for (std::int64_t w = win.col_begin; w < win.col_end; ++w) {
            if (x[x_at(s, n, h, w, c)] > x[x_at(s, n, best_h, best_w, c)]) {
                best_h = h;
                best_w = w;
            }
        }
    }
    return static_cast<std::int32_t>((best_h - win.top) * s.window_width + (best_w - win.left));
}

mlrun_status check(const char* kernel, std::int32_t pooling, const mlrun_pool2d_shape* shape)
{
    std::string problem;
    if (pooling != MLRUN_POOLING_MAX && pooling != MLRUN_POOLING_AVERAGE) problem = "unknown pooling code";
    else if (shape == nullptr) problem = "no shape";
    else problem = window_geometry::pool2d_shape_problem(*shape);
    if (problem.empty()) return MLRUN_STATUS_OK;
    return fail(MLRUN_STATUS_INVALID_ARGUMENT, (std::string(kernel) + ": " + problem).c_str());
}

}  // namespace

mlrun_status pool2d_forward(mlrun_backend*, std::int32_t pooling, const mlrun_pool2d_shape* shape, const float* x,
                            float* y, std::int32_t* argmax)
{
    if (const mlrun_status status = check("pool2d_forward", pooling, shape); status != MLRUN_STATUS_OK) return status;
    const mlrun_pool2d_shape& s = *shape;
    for (std::int64_t n = 0; n < s.batch; ++n) {
        for (std::int64_t oh = 0; oh < s.out_height; ++oh) {
            for (std::int64_t ow = 0; ow < s.out_width; ++ow) {
                const window win(s, oh, ow);
                for (std::int64_t c = 0; c < s.channels; ++c) {
                    const std::int64_t out = y_at(s, n, oh, ow, c);
                    if (pooling == MLRUN_POOLING_MAX) {
                        const std::int32_t best = first_largest(s, win, x, n, c);
                        y[out] = x[x_at(s, n, win.top + best / s.window_width, win.left + best % s.window_width, c)];
                        if (argmax != nullptr) argmax[out] = best;
                        continue;
                    }
                    double total = 0.0;
                    for (std::int64_t h = win.row_begin; h < win.row_end; ++h) {
                        for (std::int64_t w = win.col_begin; w < win.col_end; ++w) total += x[x_at(s, n, h, w, c)];
                    }
                    y[out] = static_cast<float>(total / static_cast<double>(win.cells()));
                }
            }
        }
    }
    return MLRUN_STATUS_OK;
}

mlrun_status pool2d_backward(mlrun_backend*, std::int32_t pooling, const mlrun_pool2d_shape* shape, const float* x,
                             const std::int32_t* argmax, const float* dy, float* dx)
{
    if (const mlrun_status status = check("pool2d_backward", pooling, shape); status != MLRUN_STATUS_OK) return status;
    const mlrun_pool2d_shape& s = *shape;
    if (pooling == MLRUN_POOLING_MAX && argmax == nullptr && x == nullptr) {
        return fail(MLRUN_STATUS_INVALID_ARGUMENT, "pool2d_backward: max pooling needs argmax or x");
    }
    std::fill(dx, dx + s.batch * s.in_height * s.in_width * s.channels, 0.0f);
    for (std::int64_t n = 0; n < s.batch; ++n) {
        for (std::int64_t oh = 0; oh < s.out_height; ++oh) {
            for (std::int64_t ow = 0; ow < s.out_width; ++ow) {
                const window win(s, oh, ow);
                for (std::int64_t c = 0; c < s.channels; ++c) {
                    const std::int64_t out = y_at(s, n, oh, ow, c);
                    if (pooling == MLRUN_POOLING_MAX) {
                        const std::int32_t best = argmax != nullptr ? argmax[out] : first_largest(s, win, x, n, c);
                        const std::int64_t h = win.top + best / s.window_width;
                        const std::int64_t w = win.left + best % s.window_width;
                        if (best < 0 || h < win.row_begin || h >= win.row_end || w < win.col_begin || w >= win.col_end) {
                            return fail(MLRUN_STATUS_INVALID_ARGUMENT,
                                        "pool2d_backward: an argmax entry is not a cell inside its window");
                        }
                        dx[x_at(s, n, h, w, c)] += dy[out];
                        continue;
                    }
                    const float share = static_cast<float>(dy[out] / static_cast<double>(win.cells()));
                    for (std::int64_t h = win.row_begin; h < win.row_end; ++h) {
                        for (std::int64_t w = win.col_begin; w < win.col_end; ++w) dx[x_at(s, n, h, w, c)] += share;
                    }
                }
            }
        }
    }
    return MLRUN_STATUS_OK;
}

}  // namespace mlrun::reference
