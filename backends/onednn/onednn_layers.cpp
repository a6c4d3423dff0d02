#include "onednn_layers.hpp"

#include "mlrun/backend/window_geometry.hpp"

#include <omp.h>

#include <cstring>

namespace mlrun::onednn {
namespace {

// N x H x W x C as oneDNN names it: dims {N, C, H, W} in the nhwc layout.
dnnl_memory_desc_t activations(std::int64_t n, std::int64_t h, std::int64_t w, std::int64_t c,
                               dnnl_data_type_t type = dnnl_f32)
{
    return tagged({n, c, h, w}, dnnl_nhwc, type);
}

// The filter's dims: {O, I, KH, KW}, or {G, O / G, I / G, KH, KW} with groups.
std::vector<std::int64_t> filter_dims(const mlrun_conv2d_shape& s)
{
    if (s.groups == 1) return {s.out_channels, s.in_channels, s.kernel_height, s.kernel_width};
    return {s.groups, s.out_channels / s.groups, s.in_channels / s.groups, s.kernel_height, s.kernel_width};
}

// The caller's HWIO filter: element (kh, kw, i, g * O/G + o) of a KH x KW x I/G x O array.
dnnl_memory_desc_t hwio_filter(const mlrun_conv2d_shape& s)
{
    if (s.groups == 1) return tagged(filter_dims(s), dnnl_hwio);
    const std::int64_t in_g = s.in_channels / s.groups, out_g = s.out_channels / s.groups;
    const dnnl_dims_t dims = {s.groups, out_g, in_g, s.kernel_height, s.kernel_width};
    const dnnl_dims_t strides = {out_g, 1, s.out_channels, s.kernel_width * in_g * s.out_channels,
                                 in_g * s.out_channels};
    dnnl_memory_desc_t desc{};
    dnnl_memory_desc_init_by_strides(&desc, 5, dims, dnnl_f32, strides);
    return desc;
}

// Strides, dilations (oneDNN counts the cells between taps: dilation - 1) and padding.
struct conv_geometry {
    dnnl_dims_t strides, dilates, pad_l, pad_r;
    explicit conv_geometry(const mlrun_conv2d_shape& s)
        : strides{s.stride_height, s.stride_width},
          dilates{s.dilation_height - 1, s.dilation_width - 1},
          pad_l{s.pad_top, s.pad_left},
          pad_r{s.pad_bottom, s.pad_right}
    {
    }
};

prepared_cache<20>::key conv_key(const mlrun_conv2d_shape& s, precision p, int threads)
{
    return {s.batch, s.in_height, s.in_width, s.in_channels, s.out_height, s.out_width, s.out_channels,
            s.kernel_height, s.kernel_width, s.stride_height, s.stride_width, s.dilation_height, s.dilation_width,
            s.pad_top, s.pad_bottom, s.pad_left, s.pad_right, s.groups, static_cast<std::int64_t>(p), threads};
}

// The forward descriptor, also the hint every backward primitive is made
// from: x and w read in `p`, y float32.
bool conv_forward_desc(const mlrun_conv2d_shape& s, precision p, primitive_desc& pd, const engine& e)
{
    const conv_geometry g(s);
    const dnnl_memory_desc_t src = activations(s.batch, s.in_height, s.in_width, s.in_channels, type_of(p));
    const dnnl_memory_desc_t dst = activations(s.batch, s.out_height, s.out_width, s.out_channels);
    const dnnl_memory_desc_t weights = any_layout(filter_dims(s), type_of(p));
    dnnl_convolution_desc_t op;
    return dnnl_dilated_convolution_forward_desc_init(&op, dnnl_forward_training, dnnl_convolution_direct, &src,
                                                      &weights, nullptr, &dst, g.strides, g.dilates, g.pad_l,
                                                      g.pad_r) == dnnl_success &&
           pd.create(&op, e, nullptr);
}

prepared_cache<16>::key pool_key(const mlrun_pool2d_shape& s, std::int32_t pooling, bool with_workspace,
                                 int threads)
{
    return {s.batch, s.in_height, s.in_width, s.channels, s.out_height, s.out_width, s.window_height,
            s.window_width, s.stride_height, s.stride_width, s.pad_top, s.pad_bottom, s.pad_left, s.pad_right,
            pooling * 2 + (with_workspace ? 1 : 0), threads};
}

bool pool_forward_desc(const mlrun_pool2d_shape& s, std::int32_t pooling, bool training, primitive_desc& pd,
                       const engine& e)
{
    const dnnl_memory_desc_t src = activations(s.batch, s.in_height, s.in_width, s.channels);
    const dnnl_memory_desc_t dst = activations(s.batch, s.out_height, s.out_width, s.channels);
    const dnnl_dims_t strides = {s.stride_height, s.stride_width}, kernel = {s.window_height, s.window_width};
    const dnnl_dims_t pad_l = {s.pad_top, s.pad_left}, pad_r = {s.pad_bottom, s.pad_right};
    const dnnl_alg_kind_t alg = pooling == MLRUN_POOLING_MAX ? dnnl_pooling_max : dnnl_pooling_avg_exclude_padding;
    dnnl_pooling_desc_t op;
    return dnnl_pooling_forward_desc_init(&op, training ? dnnl_forward_training : dnnl_forward_inference, alg, &src,
                                          &dst, strides, kernel, pad_l, pad_r) == dnnl_success &&
           pd.create(&op, e, nullptr);
}

// The max pooling workspace holds, per output, the window-local position
// of its largest cell in the output's own layout, as one byte (windows of
// fewer than 256 cells) or int32: the ABI's argmax in another type. Only
// that layout is taken; anything else is left to the reference.
bool workspace_is_argmax(const dnnl_memory_desc_t* ws, const mlrun_pool2d_shape& s)
{
    if (ws == nullptr || (ws->data_type != dnnl_u8 && ws->data_type != dnnl_s32)) return false;
    const dnnl_memory_desc_t expected = tagged({s.batch, s.channels, s.out_height, s.out_width}, dnnl_nhwc,
                                               ws->data_type);
    return dnnl_memory_desc_equal(ws, &expected) != 0;
}

// Scale and shift vectors for normalization: present or not.
unsigned normalization_flags(const float* gamma, const float* beta)
{
    const unsigned scale = dnnl_use_scale, shift = dnnl_use_shift;
    return (gamma != nullptr ? scale : 0U) | (beta != nullptr ? shift : 0U);
}

}  // namespace

mlrun_status layer_primitives::ran(bool ok, const char* kernel)
{
    if (ok) return MLRUN_STATUS_OK;
    error_ = std::string(kernel) + ": a oneDNN primitive failed to run";
    return MLRUN_STATUS_INTERNAL;
}

mlrun_status layer_primitives::conv2d_forward(int threads, precision inputs, const mlrun_conv2d_shape& s,
                                              const float* x, const float* w, float* y)
{
    if (!window_geometry::conv2d_shape_problem(s).empty()) return MLRUN_STATUS_UNIMPLEMENTED;
    omp_set_num_threads(threads);
    prepared* p = conv_forward_.find_or_make(conv_key(s, inputs, threads), engine_, [&](prepared& made) {
        primitive_desc pd;
        if (!conv_forward_desc(s, inputs, pd, engine_)) return false;
        dnnl_memory_t user_x = made.user(activations(s.batch, s.in_height, s.in_width, s.in_channels));
        dnnl_memory_t user_w = made.user(hwio_filter(s));
        dnnl_memory_t dst = made.user(activations(s.batch, s.out_height, s.out_width, s.out_channels));
        if (user_x == nullptr || user_w == nullptr || dst == nullptr) return false;
        dnnl_memory_t src = made.input_for(pd.pd, dnnl_query_src_md, user_x);
        dnnl_memory_t weights = made.input_for(pd.pd, dnnl_query_weights_md, user_w);
        if (src == nullptr || weights == nullptr) return false;
        return made.add(pd.pd, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}});
    });
    if (p == nullptr) return MLRUN_STATUS_UNIMPLEMENTED;
    return ran(p->bind({x, w, y}) && p->run(), "conv2d_forward");
}

mlrun_status layer_primitives::conv2d_backward_data(int threads, precision inputs, const mlrun_conv2d_shape& s,
                                                    const float* w, const float* dy, float* dx)
{
    if (!window_geometry::conv2d_shape_problem(s).empty()) return MLRUN_STATUS_UNIMPLEMENTED;
    omp_set_num_threads(threads);
    prepared* p = conv_data_.find_or_make(conv_key(s, inputs, threads), engine_, [&](prepared& made) {
        primitive_desc hint, pd;
        if (!conv_forward_desc(s, inputs, hint, engine_)) return false;
        const conv_geometry g(s);
        const dnnl_memory_desc_t diff_src = activations(s.batch, s.in_height, s.in_width, s.in_channels);
        const dnnl_memory_desc_t diff_dst =
            activations(s.batch, s.out_height, s.out_width, s.out_channels, type_of(inputs));
        const dnnl_memory_desc_t weights_any = any_layout(filter_dims(s), type_of(inputs));
        dnnl_convolution_desc_t op;
        if (dnnl_dilated_convolution_backward_data_desc_init(&op, dnnl_convolution_direct, &diff_src, &weights_any,
                                                             &diff_dst, g.strides, g.dilates, g.pad_l,
                                                             g.pad_r) != dnnl_success ||
            !pd.create(&op, engine_, hint.pd)) {
            return false;
        }
        dnnl_memory_t user_w = made.user(hwio_filter(s));
        dnnl_memory_t user_gy = made.user(activations(s.batch, s.out_height, s.out_width, s.out_channels));
        dnnl_memory_t gx = made.user(diff_src);
        if (user_w == nullptr || user_gy == nullptr || gx == nullptr) return false;
        dnnl_memory_t weights = made.input_for(pd.pd, dnnl_query_weights_md, user_w);
        dnnl_memory_t gy = made.input_for(pd.pd, dnnl_query_diff_dst_md, user_gy);
        if (weights == nullptr || gy == nullptr) return false;
        return made.add(pd.pd, {{DNNL_ARG_DIFF_DST, gy}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DIFF_SRC, gx}});
    });
    if (p == nullptr) return MLRUN_STATUS_UNIMPLEMENTED;
    return ran(p->bind({w, dy, dx}) && p->run(), "conv2d_backward_data");
}

mlrun_status layer_primitives::conv2d_backward_weights(int threads, precision inputs, const mlrun_conv2d_shape& s,
                                                       const float* x, const float* dy, float* dw)
{
    if (!window_geometry::conv2d_shape_problem(s).empty()) return MLRUN_STATUS_UNIMPLEMENTED;
    omp_set_num_threads(threads);
    prepared* p = conv_weights_.find_or_make(conv_key(s, inputs, threads), engine_, [&](prepared& made) {
        primitive_desc hint, pd;
        if (!conv_forward_desc(s, inputs, hint, engine_)) return false;
        const conv_geometry g(s);
        const dnnl_memory_desc_t src = activations(s.batch, s.in_height, s.in_width, s.in_channels, type_of(inputs));
        const dnnl_memory_desc_t diff_dst =
            activations(s.batch, s.out_height, s.out_width, s.out_channels, type_of(inputs));
        const dnnl_memory_desc_t weights_any = any_layout(filter_dims(s));
        dnnl_convolution_desc_t op;
        if (dnnl_dilated_convolution_backward_weights_desc_init(&op, dnnl_convolution_direct, &src, &weights_any,
                                                                nullptr, &diff_dst, g.strides, g.dilates, g.pad_l,
                                                                g.pad_r) != dnnl_success ||
            !pd.create(&op, engine_, hint.pd)) {
            return false;
        }
        dnnl_memory_t user_x = made.user(activations(s.batch, s.in_height, s.in_width, s.in_channels));
        dnnl_memory_t user_gy = made.user(activations(s.batch, s.out_height, s.out_width, s.out_channels));
        dnnl_memory_t user_dw = made.user(hwio_filter(s));
        if (user_x == nullptr || user_gy == nullptr || user_dw == nullptr) return false;
        dnnl_memory_t in = made.input_for(pd.pd, dnnl_query_src_md, user_x);
        dnnl_memory_t gy = made.input_for(pd.pd, dnnl_query_diff_dst_md, user_gy);
        // The filter gradient, in oneDNN's layout, is reordered into the caller's after the primitive.
        dnnl_memory_t gw = made.layout_for(pd.pd, dnnl_query_diff_weights_md, user_dw);
        if (in == nullptr || gy == nullptr || gw == nullptr) return false;
        if (!made.add(pd.pd, {{DNNL_ARG_SRC, in}, {DNNL_ARG_DIFF_DST, gy}, {DNNL_ARG_DIFF_WEIGHTS, gw}})) return false;
        return gw == user_dw || made.add_reorder(gw, user_dw);
    });
    if (p == nullptr) return MLRUN_STATUS_UNIMPLEMENTED;
    return ran(p->bind({x, dy, dw}) && p->run(), "conv2d_backward_weights");
}

mlrun_status layer_primitives::pool2d_forward(int threads, std::int32_t pooling, const mlrun_pool2d_shape& s,
                                              const float* x, float* y, std::int32_t* argmax)
{
    if (!window_geometry::pool2d_shape_problem(s).empty()) return MLRUN_STATUS_UNIMPLEMENTED;
    const bool with_workspace = pooling == MLRUN_POOLING_MAX && argmax != nullptr;
    omp_set_num_threads(threads);
    prepared* p = pool_forward_.find_or_make(pool_key(s, pooling, with_workspace, threads), engine_,
                                             [&](prepared& made) {
        primitive_desc pd;
        if (!pool_forward_desc(s, pooling, with_workspace, pd, engine_)) return false;
        dnnl_memory_t src = made.user(activations(s.batch, s.in_height, s.in_width, s.channels));
        dnnl_memory_t dst = made.user(activations(s.batch, s.out_height, s.out_width, s.channels));
        if (src == nullptr || dst == nullptr) return false;
        std::vector<dnnl_exec_arg_t> args = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
        if (with_workspace) {
            const dnnl_memory_desc_t* ws_desc = dnnl_primitive_desc_query_md(pd.pd, dnnl_query_workspace_md, 0);
            if (!workspace_is_argmax(ws_desc, s)) return false;
            dnnl_memory_t ws = made.owned(*ws_desc);
            if (ws == nullptr) return false;
            args.push_back({DNNL_ARG_WORKSPACE, ws});
        }
        return made.add(pd.pd, std::move(args));
    });
    if (p == nullptr) return MLRUN_STATUS_UNIMPLEMENTED;
    if (!p->bind({x, y}) || !p->run()) return ran(false, "pool2d_forward");
    if (!with_workspace) return MLRUN_STATUS_OK;
    const std::int64_t outputs = s.batch * s.out_height * s.out_width * s.channels;
    const void* ws = p->owned_data(0);
    if (s.window_height * s.window_width < 256) {
        const auto* positions = static_cast<const std::uint8_t*>(ws);
        for (std::int64_t i = 0; i < outputs; ++i) argmax[i] = positions[i];
    } else {
        std::memcpy(argmax, ws, static_cast<std::size_t>(outputs) * sizeof(std::int32_t));
    }
    return MLRUN_STATUS_OK;
}

mlrun_status layer_primitives::pool2d_backward(int threads, std::int32_t pooling, const mlrun_pool2d_shape& s,
                                               const std::int32_t* argmax, const float* dy, float* dx)
{
    if (!window_geometry::pool2d_shape_problem(s).empty()) return MLRUN_STATUS_UNIMPLEMENTED;
    const bool max = pooling == MLRUN_POOLING_MAX;
    if (max && argmax == nullptr) return MLRUN_STATUS_UNIMPLEMENTED;  // the reference finds the cells again
    // Positions are checked before oneDNN follows them: each must name a
    // cell of its window inside the input, or the reference reports it.
    const std::int64_t window = s.window_height * s.window_width;
    if (max) {
        std::int64_t i = 0;
        for (std::int64_t n = 0; n < s.batch; ++n) {
            for (std::int64_t oh = 0; oh < s.out_height; ++oh) {
                for (std::int64_t ow = 0; ow < s.out_width; ++ow) {
                    for (std::int64_t c = 0; c < s.channels; ++c, ++i) {
                        const std::int64_t at = argmax[i];
                        const std::int64_t h = oh * s.stride_height - s.pad_top + (at >= 0 ? at / s.window_width : 0);
                        const std::int64_t w = ow * s.stride_width - s.pad_left + (at >= 0 ? at % s.window_width : 0);
                        if (at < 0 || at >= window || h < 0 || h >= s.in_height || w < 0 || w >= s.in_width) {
                            return MLRUN_STATUS_UNIMPLEMENTED;
                        }
                    }
                }
            }
        }
    }
    omp_set_num_threads(threads);
    prepared* p = pool_backward_.find_or_make(pool_key(s, pooling, max, threads), engine_, [&](prepared& made) {
        primitive_desc hint, pd;
        if (!pool_forward_desc(s, pooling, true, hint, engine_)) return false;
        const dnnl_memory_desc_t diff_src = activations(s.batch, s.in_height, s.in_width, s.channels);
        const dnnl_memory_desc_t diff_dst = activations(s.batch, s.out_height, s.out_width, s.channels);
        const dnnl_dims_t strides = {s.stride_height, s.stride_width}, kernel = {s.window_height, s.window_width};
        const dnnl_dims_t pad_l = {s.pad_top, s.pad_left}, pad_r = {s.pad_bottom, s.pad_right};
        dnnl_pooling_desc_t op;
        if (dnnl_pooling_backward_desc_init(&op, max ? dnnl_pooling_max : dnnl_pooling_avg_exclude_padding,
                                            &diff_src, &diff_dst, strides, kernel, pad_l, pad_r) != dnnl_success ||
            !pd.create(&op, engine_, hint.pd)) {
            return false;
        }
        dnnl_memory_t gy = made.user(diff_dst);
        dnnl_memory_t gx = made.user(diff_src);
        if (gy == nullptr || gx == nullptr) return false;
        std::vector<dnnl_exec_arg_t> args = {{DNNL_ARG_DIFF_DST, gy}, {DNNL_ARG_DIFF_SRC, gx}};
        if (max) {
            const dnnl_memory_desc_t* ws_desc = dnnl_primitive_desc_query_md(hint.pd, dnnl_query_workspace_md, 0);
            if (!workspace_is_argmax(ws_desc, s)) return false;
            dnnl_memory_t ws = made.owned(*ws_desc);
            if (ws == nullptr) return false;
            args.push_back({DNNL_ARG_WORKSPACE, ws});
        }
        return made.add(pd.pd, std::move(args));
    });
    if (p == nullptr) return MLRUN_STATUS_UNIMPLEMENTED;
    if (max) {
        const std::int64_t outputs = s.batch * s.out_height * s.out_width * s.channels;
        void* ws = p->owned_data(0);
        if (window < 256) {
            auto* positions = static_cast<std::uint8_t*>(ws);
            for (std::int64_t i = 0; i < outputs; ++i) positions[i] = static_cast<std::uint8_t>(argmax[i]);
        } else {
            std::memcpy(ws, argmax, static_cast<std::size_t>(outputs) * sizeof(std::int32_t));
        }
    }
    return ran(p->bind({dy, dx}) && p->run(), "pool2d_backward");
}

mlrun_status layer_primitives::batch_norm_forward(int threads, bool training, std::int64_t rows,
                                                  std::int64_t channels, const float* x, const float* gamma,
                                                  const float* beta, float epsilon, float* y, const float* mean_in,
                                                  const float* variance_in, float* mean_out, float* variance_out)
{
    if (rows < 1 || channels < 1 || !(epsilon >= 0.0f)) return MLRUN_STATUS_UNIMPLEMENTED;
    const unsigned flags = normalization_flags(gamma, beta) | (training ? 0U : unsigned{dnnl_use_global_stats});
    omp_set_num_threads(threads);
    prepared* p = batch_norm_forward_.find_or_make({rows, channels, flags, bits_of(epsilon), threads, 0}, engine_,
                                                   [&](prepared& made) {
        const dnnl_memory_desc_t data = tagged({rows, channels}, dnnl_nc);
        const dnnl_memory_desc_t per_channel = tagged({channels}, dnnl_a);
        dnnl_batch_normalization_desc_t op;
        primitive_desc pd;
        if (dnnl_batch_normalization_forward_desc_init(&op, training ? dnnl_forward_training : dnnl_forward_inference,
                                                       &data, epsilon, flags) != dnnl_success ||
            !pd.create(&op, engine_, nullptr)) {
            return false;
        }
        std::vector<dnnl_exec_arg_t> args = {{DNNL_ARG_SRC, made.user(data)},
                                             {DNNL_ARG_DST, made.user(data)},
                                             {DNNL_ARG_MEAN, made.user(per_channel)},
                                             {DNNL_ARG_VARIANCE, made.user(per_channel)},
                                             {DNNL_ARG_SCALE, made.user(per_channel)},
                                             {DNNL_ARG_SHIFT, made.user(per_channel)}};
        for (const dnnl_exec_arg_t& a : args) {
            if (a.memory == nullptr) return false;
        }
        return made.add(pd.pd, std::move(args));
    });
    if (p == nullptr) return MLRUN_STATUS_UNIMPLEMENTED;
    const void* mean = training ? static_cast<const void*>(mean_out) : mean_in;
    const void* variance = training ? static_cast<const void*>(variance_out) : variance_in;
    return ran(p->bind({x, y, mean, variance, gamma, beta}) && p->run(), "batch_norm_forward");
}

// Where a gradient the caller does not want goes (oneDNN writes it anyway).
float* layer_primitives::unwanted(float* wanted, std::int64_t size)
{
    if (wanted != nullptr) return wanted;
    if (unwanted_.size() < static_cast<std::size_t>(size)) unwanted_.resize(static_cast<std::size_t>(size));
    return unwanted_.data();
}

mlrun_status layer_primitives::batch_norm_backward(int threads, bool batch_statistics, std::int64_t rows,
                                                   std::int64_t channels, const float* x, const float* dy,
                                                   const float* gamma, const float* mean, const float* variance,
                                                   float epsilon, float* dx, float* dgamma, float* dbeta)
{
    // oneDNN always computes dx, and dgamma only with a gamma to scale by.
    if (rows < 1 || channels < 1 || !(epsilon >= 0.0f) || dx == nullptr || (dgamma != nullptr && gamma == nullptr)) {
        return MLRUN_STATUS_UNIMPLEMENTED;
    }
    // The shift flag asks for dbeta; beta itself plays no part in any gradient.
    const float* shift_marker = dbeta;
    const unsigned flags =
        normalization_flags(gamma, shift_marker) | (batch_statistics ? 0U : unsigned{dnnl_use_global_stats});
    omp_set_num_threads(threads);
    prepared* p = batch_norm_backward_.find_or_make({rows, channels, flags, bits_of(epsilon), threads, 0}, engine_,
                                                    [&](prepared& made) {
        const dnnl_memory_desc_t data = tagged({rows, channels}, dnnl_nc);
        const dnnl_memory_desc_t per_channel = tagged({channels}, dnnl_a);
        dnnl_batch_normalization_desc_t forward_op, op;
        primitive_desc hint, pd;
        const bool parameters = (flags & (unsigned{dnnl_use_scale} | unsigned{dnnl_use_shift})) != 0;
        if (dnnl_batch_normalization_forward_desc_init(&forward_op, dnnl_forward_training, &data, epsilon, flags) !=
                dnnl_success ||
            !hint.create(&forward_op, engine_, nullptr) ||
            dnnl_batch_normalization_backward_desc_init(&op, parameters ? dnnl_backward : dnnl_backward_data, &data,
                                                        &data, epsilon, flags) != dnnl_success ||
            !pd.create(&op, engine_, hint.pd)) {
            return false;
        }
        std::vector<dnnl_exec_arg_t> args = {{DNNL_ARG_SRC, made.user(data)},
                                             {DNNL_ARG_DIFF_DST, made.user(data)},
                                             {DNNL_ARG_MEAN, made.user(per_channel)},
                                             {DNNL_ARG_VARIANCE, made.user(per_channel)},
                                             {DNNL_ARG_SCALE, made.user(per_channel)},
                                             {DNNL_ARG_DIFF_SRC, made.user(data)},
                                             {DNNL_ARG_DIFF_SCALE, made.user(per_channel)},
                                             {DNNL_ARG_DIFF_SHIFT, made.user(per_channel)}};
        for (const dnnl_exec_arg_t& a : args) {
            if (a.memory == nullptr) return false;
        }
        return made.add(pd.pd, std::move(args));
    });
    if (p == nullptr) return MLRUN_STATUS_UNIMPLEMENTED;
    float* gamma_gradient = gamma != nullptr ? unwanted(dgamma, channels) : nullptr;
    return ran(p->bind({x, dy, mean, variance, gamma, dx, gamma_gradient, dbeta}) && p->run(), "batch_norm_backward");
}

mlrun_status layer_primitives::layer_norm_forward(int threads, std::int64_t rows, std::int64_t cols, const float* x,
                                                  const float* gamma, const float* beta, float epsilon, float* y,
                                                  float* mean, float* variance)
{
    if (rows < 1 || cols < 1 || !(epsilon >= 0.0f)) return MLRUN_STATUS_UNIMPLEMENTED;
    const unsigned flags = normalization_flags(gamma, beta);
    omp_set_num_threads(threads);
    prepared* p = layer_norm_forward_.find_or_make({rows, cols, flags, bits_of(epsilon), threads, 0}, engine_,
                                                   [&](prepared& made) {
        const dnnl_memory_desc_t data = tagged({rows, cols}, dnnl_ab);
        const dnnl_memory_desc_t per_row = tagged({rows}, dnnl_a);
        const dnnl_memory_desc_t per_col = tagged({cols}, dnnl_a);
        dnnl_layer_normalization_desc_t op;
        primitive_desc pd;
        if (dnnl_layer_normalization_forward_desc_init(&op, dnnl_forward_training, &data, &per_row, epsilon, flags) !=
                dnnl_success ||
            !pd.create(&op, engine_, nullptr)) {
            return false;
        }
        std::vector<dnnl_exec_arg_t> args = {{DNNL_ARG_SRC, made.user(data)},
                                             {DNNL_ARG_DST, made.user(data)},
                                             {DNNL_ARG_MEAN, made.user(per_row)},
                                             {DNNL_ARG_VARIANCE, made.user(per_row)},
                                             {DNNL_ARG_SCALE, made.user(per_col)},
                                             {DNNL_ARG_SHIFT, made.user(per_col)}};
        for (const dnnl_exec_arg_t& a : args) {
            if (a.memory == nullptr) return false;
        }
        return made.add(pd.pd, std::move(args));
    });
    if (p == nullptr) return MLRUN_STATUS_UNIMPLEMENTED;
    return ran(p->bind({x, y, mean, variance, gamma, beta}) && p->run(), "layer_norm_forward");
}

mlrun_status layer_primitives::layer_norm_backward(int threads, std::int64_t rows, std::int64_t cols, const float* x,
                                                   const float* dy, const float* gamma, const float* mean,
                                                   const float* variance, float epsilon, float* dx, float* dgamma,
                                                   float* dbeta)
{
    if (rows < 1 || cols < 1 || !(epsilon >= 0.0f) || dx == nullptr || (dgamma != nullptr && gamma == nullptr)) {
        return MLRUN_STATUS_UNIMPLEMENTED;
    }
    const float* shift_marker = dbeta;
    const unsigned flags = normalization_flags(gamma, shift_marker);
    omp_set_num_threads(threads);
    prepared* p = layer_norm_backward_.find_or_make({rows, cols, flags, bits_of(epsilon), threads, 0}, engine_,
                                                    [&](prepared& made) {
        const dnnl_memory_desc_t data = tagged({rows, cols}, dnnl_ab);
        const dnnl_memory_desc_t per_row = tagged({rows}, dnnl_a);
        const dnnl_memory_desc_t per_col = tagged({cols}, dnnl_a);
        dnnl_layer_normalization_desc_t forward_op, op;
        primitive_desc hint, pd;
        const bool parameters = flags != 0;
        if (dnnl_layer_normalization_forward_desc_init(&forward_op, dnnl_forward_training, &data, &per_row, epsilon,
                                                       flags) != dnnl_success ||
            !hint.create(&forward_op, engine_, nullptr) ||
            dnnl_layer_normalization_backward_desc_init(&op, parameters ? dnnl_backward : dnnl_backward_data, &data,
                                                        &data, &per_row, epsilon, flags) != dnnl_success ||
            !pd.create(&op, engine_, hint.pd)) {
            return false;
        }
        std::vector<dnnl_exec_arg_t> args = {{DNNL_ARG_SRC, made.user(data)},
                                             {DNNL_ARG_DIFF_DST, made.user(data)},
                                             {DNNL_ARG_MEAN, made.user(per_row)},
                                             {DNNL_ARG_VARIANCE, made.user(per_row)},
                                             {DNNL_ARG_SCALE, made.user(per_col)},
                                             {DNNL_ARG_DIFF_SRC, made.user(data)},
                                             {DNNL_ARG_DIFF_SCALE, made.user(per_col)},
                                             {DNNL_ARG_DIFF_SHIFT, made.user(per_col)}};
        for (const dnnl_exec_arg_t& a : args) {
            if (a.memory == nullptr) return false;
        }
        return made.add(pd.pd, std::move(args));
    });
    if (p == nullptr) return MLRUN_STATUS_UNIMPLEMENTED;
    float* gamma_gradient = gamma != nullptr ? unwanted(dgamma, cols) : nullptr;
    return ran(p->bind({x, dy, mean, variance, gamma, dx, gamma_gradient, dbeta}) && p->run(), "layer_norm_backward");
}

}  // namespace mlrun::onednn
