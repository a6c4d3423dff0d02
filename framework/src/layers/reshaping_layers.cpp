#include "mlrun/layers/reshaping_layers.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/layer_registry.hpp"
#include "mlrun/layers/window_geometry.hpp"

#include <algorithm>
#include <cmath>

namespace mlrun {
namespace {

std::string where_of(const std::string& name, const std::string& class_name)
{
    return "layer '" + name + "' (" + class_name + ")";
}

std::string list_text(const std::vector<std::int64_t>& values)
{
    std::string text;
    for (std::int64_t v : values) text += (text.empty() ? "" : ", ") + std::to_string(v);
    return "[" + text + "]";
}

std::string border_text(const border_2d& b)
{
    return "[[" + std::to_string(b[0][0]) + ", " + std::to_string(b[0][1]) + "], [" + std::to_string(b[1][0]) + ", " +
           std::to_string(b[1][1]) + "]]";
}

// [rows, cols, channels] samples, for the image layers.
void check_image(const shape& in, const std::string& where)
{
    if (in.rank() != 3) throw model_error(where + " expects samples of shape (rows, cols, channels), found " + in.to_string());
}

void copy(backend& be, const tensor& src, tensor& dst) { be.axpby(src.size(), 1.0f, src.f32(), 0.0f, dst.f32()); }

}  // namespace

// ---- Reshape

reshape_layer::reshape_layer(const std::string& name, const reshape_options& options) : layer(name), options_(options)
{
    const std::string where = where_of(name, "Reshape");
    if (options_.target_shape.empty()) throw config_error(where + ": target_shape is empty; give at least one dimension");
    const auto unknown = std::count(options_.target_shape.begin(), options_.target_shape.end(), -1);
    for (std::int64_t d : options_.target_shape) {
        if (d < 1 && d != -1) {
            throw config_error(where + ": target_shape " + list_text(options_.target_shape) +
                               " has a dimension " + std::to_string(d) + "; expected sizes >= 1 and at most one -1");
        }
    }
    if (unknown > 1) {
        throw config_error(where + ": target_shape " + list_text(options_.target_shape) +
                           " has more than one -1; only one size can be inferred");
    }
}

shape reshape_layer::build(const std::vector<shape>& input_shapes, rng&)
{
    const shape& in = input_shapes.at(0);
    const std::int64_t count = in.element_count();
    std::int64_t known = 1;
    for (std::int64_t d : options_.target_shape) known *= d == -1 ? 1 : d;
    std::vector<std::int64_t> dims = options_.target_shape;
    const auto unknown = std::find(dims.begin(), dims.end(), -1);
    const bool fits = unknown != dims.end() ? count % known == 0 : known == count;
    if (!fits) {
        throw model_error(where_of(name(), "Reshape") + ": target_shape " + list_text(options_.target_shape) +
                          (unknown != dims.end() ? " cannot hold " : " does not hold exactly ") +
                          std::to_string(count) + " values, the size of its input " + in.to_string());
    }
    if (unknown != dims.end()) *unknown = count / known;
    output_shape_ = shape(dims);
    return output_shape_;
}

void reshape_layer::forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    output.reshape(output_shape_.with_batch(x.dims()[0]));
    copy(ctx.be, x, output);
}

void reshape_layer::backward(backend& be, const std::vector<const tensor*>& inputs, const tensor&,
                             const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    if (input_grads[0] == nullptr) return;
    input_grads[0]->reshape(inputs[0]->dims());
    copy(be, output_grad, *input_grads[0]);
}

const layer_class& reshape_layer::description()
{
    static const layer_class description{
        "Reshape",
        "gives each sample another shape of as many values",
        {{"target_shape", value_kind::integer_list, "",
          "the per-sample shape, e.g. [7, 7, 16]; one entry may be -1, the size the others leave", {}, true}},
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<reshape_layer>(spec.name, std::get<reshape_options>(spec.options));
        },
    };
    return description;
}

// ---- Permute

permute_layer::permute_layer(const std::string& name, const permute_options& options) : layer(name), options_(options)
{
    std::vector<std::int64_t> sorted = options_.dims;
    std::sort(sorted.begin(), sorted.end());
    bool permutation = !sorted.empty();
    for (std::size_t i = 0; permutation && i < sorted.size(); ++i) permutation = sorted[i] == std::int64_t(i) + 1;
    if (!permutation) {
        throw config_error(where_of(name, "Permute") + ": dims " + list_text(options_.dims) +
                           " is not a permutation of 1.." + std::to_string(options_.dims.size()) +
                           " (the sample axes, counted from 1 as Keras counts them)");
    }
}

shape permute_layer::build(const std::vector<shape>& input_shapes, rng&)
{
    const shape& in = input_shapes.at(0);
    const std::size_t rank = options_.dims.size();
    if (in.rank() != rank) {
        throw model_error(where_of(name(), "Permute") + ": dims " + list_text(options_.dims) + " reorders " +
                          std::to_string(rank) + " axes, but its input " + in.to_string() + " has " +
                          std::to_string(in.rank()));
    }
    std::vector<std::int64_t> out_dims(rank);
    for (std::size_t a = 0; a < rank; ++a) out_dims[a] = in[static_cast<std::size_t>(options_.dims[a] - 1)];
    output_shape_ = shape(out_dims);
    // Input strides, then walk the output in order.
    std::vector<std::int64_t> in_stride(rank, 1);
    for (std::size_t a = rank - 1; a > 0; --a) in_stride[a - 1] = in_stride[a] * in[a];
    const std::int64_t count = in.element_count();
    source_.assign(static_cast<std::size_t>(count), 0);
    std::vector<std::int64_t> index(rank, 0);
    for (std::int64_t o = 0; o < count; ++o) {
        std::int64_t from = 0;
        for (std::size_t a = 0; a < rank; ++a) from += index[a] * in_stride[static_cast<std::size_t>(options_.dims[a] - 1)];
        source_[static_cast<std::size_t>(o)] = from;
        for (std::size_t a = rank; a-- > 0;) {
            if (++index[a] < out_dims[a]) break;
            index[a] = 0;
        }
    }
    return output_shape_;
}

void permute_layer::forward(forward_context&, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    output.reshape(output_shape_.with_batch(batch));
    const std::int64_t n = static_cast<std::int64_t>(source_.size());
    for (std::int64_t b = 0; b < batch; ++b) {
        const float* in = x.f32() + b * n;
        float* out = output.f32() + b * n;
        for (std::int64_t o = 0; o < n; ++o) out[o] = in[source_[static_cast<std::size_t>(o)]];
    }
}

void permute_layer::backward(backend&, const std::vector<const tensor*>& inputs, const tensor&,
                             const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    if (input_grads[0] == nullptr) return;
    tensor& dx = *input_grads[0];
    dx.reshape(inputs[0]->dims());
    const std::int64_t batch = dx.dims()[0];
    const std::int64_t n = static_cast<std::int64_t>(source_.size());
    for (std::int64_t b = 0; b < batch; ++b) {
        const float* dy = output_grad.f32() + b * n;
        float* d = dx.f32() + b * n;
        for (std::int64_t o = 0; o < n; ++o) d[source_[static_cast<std::size_t>(o)]] = dy[o];
    }
}

const layer_class& permute_layer::description()
{
    static const layer_class description{
        "Permute",
        "reorders the axes of each sample",
        {{"dims", value_kind::integer_list, "",
          "the input axis each output axis takes, counted from 1 (Keras's numbering): [2, 1] swaps two axes", {},
          true}},
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<permute_layer>(spec.name, std::get<permute_options>(spec.options));
        },
    };
    return description;
}

// ---- ZeroPadding2D and Cropping2D

border_layer::border_layer(const std::string& name, const layer_options& options)
    : layer(name), options_(options), padding_(std::holds_alternative<zero_padding2d_options>(options))
{
    const std::string where = where_of(name, class_name_of(options));
    const char* key = padding_ ? "padding" : "cropping";
    if (padding_) {
        const auto& o = std::get<zero_padding2d_options>(options);
        border_ = o.padding;
        check_channels_last(o.data_format, where);
    } else {
        const auto& o = std::get<cropping2d_options>(options);
        border_ = o.cropping;
        check_channels_last(o.data_format, where);
    }
    for (const auto& axis : border_) {
        for (std::int64_t v : axis) {
            if (v < 0) throw config_error(where + ": " + key + " " + border_text(border_) + " has a negative amount");
        }
    }
}

shape border_layer::build(const std::vector<shape>& input_shapes, rng&)
{
    const std::string where = where_of(name(), class_name());
    input_shape_ = input_shapes.at(0);
    check_image(input_shape_, where);
    output_shape_ = input_shape_;
    for (std::size_t axis = 0; axis < 2; ++axis) {
        const std::int64_t amount = border_[axis][0] + border_[axis][1];
        if (padding_) {
            output_shape_[axis] += amount;
        } else if (amount >= input_shape_[axis]) {
            throw model_error(where + ": cropping " + border_text(border_) + " removes " + std::to_string(amount) + " " +
                              (axis == 0 ? "rows" : "columns") + " of an input " + input_shape_.to_string() +
                              " that has " + std::to_string(input_shape_[axis]) + "; at least one must remain");
        } else {
            output_shape_[axis] -= amount;
        }
    }
    return output_shape_;
}

void border_layer::copy_block(const float* from, float* to, std::int64_t batch, bool to_output) const
{
    const shape& small = padding_ ? input_shape_ : output_shape_;
    const shape& large = padding_ ? output_shape_ : input_shape_;
    const std::int64_t channels = small[2];
    const std::int64_t small_size = small.element_count();
    const std::int64_t large_size = large.element_count();
    // Padding writes the small input into the large output; cropping reads
    // the small output from the large input.
    const bool small_is_source = padding_ == to_output;
    for (std::int64_t b = 0; b < batch; ++b) {
        for (std::int64_t r = 0; r < small[0]; ++r) {
            const std::int64_t small_at = b * small_size + r * small[1] * channels;
            const std::int64_t large_at =
                b * large_size + ((r + border_[0][0]) * large[1] + border_[1][0]) * channels;
            const std::int64_t n = small[1] * channels;
            if (small_is_source) {
                std::copy(from + small_at, from + small_at + n, to + large_at);
            } else {
                std::copy(from + large_at, from + large_at + n, to + small_at);
            }
        }
    }
}

void border_layer::forward(forward_context&, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    output.reshape(output_shape_.with_batch(batch));
    if (padding_) std::fill(output.f32(), output.f32() + output.size(), 0.0f);
    copy_block(x.f32(), output.f32(), batch, true);
}

void border_layer::backward(backend&, const std::vector<const tensor*>& inputs, const tensor&,
                            const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    if (input_grads[0] == nullptr) return;
    tensor& dx = *input_grads[0];
    dx.reshape(inputs[0]->dims());
    if (!padding_) std::fill(dx.f32(), dx.f32() + dx.size(), 0.0f);  // the cropped borders had no effect
    copy_block(output_grad.f32(), dx.f32(), dx.dims()[0], false);
}

namespace {

std::vector<key_spec> border_keys(const char* key, const char* fallback, const char* what)
{
    return {
        {key, value_kind::any, fallback,
         std::string(what) + ": one amount for every border, [rows, cols] (each before and after), or "
                             "[[top, bottom], [left, right]]"},
        {"data_format", value_kind::string, "channels_last", "samples are [rows, cols, channels]", {"channels_last"}},
    };
}

}  // namespace

const layer_class& border_layer::zero_padding2d_description()
{
    static const layer_class description{
        "ZeroPadding2D",
        "adds rows and columns of zeros around each image",
        border_keys("padding", "1", "rows and columns of zeros to add"),
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<border_layer>(spec.name, spec.options);
        },
    };
    return description;
}

const layer_class& border_layer::cropping2d_description()
{
    static const layer_class description{
        "Cropping2D",
        "removes rows and columns from the borders of each image",
        border_keys("cropping", "0", "rows and columns to remove"),
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<border_layer>(spec.name, spec.options);
        },
    };
    return description;
}

// ---- UpSampling2D

namespace {

// TensorFlow's resize with half-pixel centres: output cell o samples the
// input at (o + 0.5) / factor - 0.5, clamped to the image.
std::vector<up_sampling2d_layer::tap> taps(std::int64_t input, std::int64_t factor, bool bilinear)
{
    std::vector<up_sampling2d_layer::tap> result;
    for (std::int64_t o = 0; o < input * factor; ++o) {
        if (!bilinear) {
            result.push_back({o / factor, o / factor, 0.0f});
            continue;
        }
        const double at = (static_cast<double>(o) + 0.5) / static_cast<double>(factor) - 0.5;
        const double below = std::floor(at);
        const auto clamp = [&](double v) { return static_cast<std::int64_t>(std::min<double>(std::max(v, 0.0), double(input - 1))); };
        result.push_back({clamp(below), clamp(below + 1.0), static_cast<float>(at - below)});
    }
    return result;
}

}  // namespace

up_sampling2d_layer::up_sampling2d_layer(const std::string& name, const up_sampling2d_options& options)
    : layer(name), options_(options), bilinear_(options.interpolation == "bilinear")
{
    const std::string where = where_of(name, "UpSampling2D");
    check_channels_last(options_.data_format, where);
    check_positive(options_.size, "size", where);
    if (options_.interpolation != "nearest" && options_.interpolation != "bilinear") {
        throw config_error(where + ": interpolation '" + options_.interpolation + "'; expected nearest or bilinear");
    }
}

shape up_sampling2d_layer::build(const std::vector<shape>& input_shapes, rng&)
{
    input_shape_ = input_shapes.at(0);
    check_image(input_shape_, where_of(name(), "UpSampling2D"));
    row_taps_ = taps(input_shape_[0], options_.size[0], bilinear_);
    col_taps_ = taps(input_shape_[1], options_.size[1], bilinear_);
    return {input_shape_[0] * options_.size[0], input_shape_[1] * options_.size[1], input_shape_[2]};
}

void up_sampling2d_layer::forward(forward_context&, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    const std::int64_t cols = input_shape_[1];
    const std::int64_t channels = input_shape_[2];
    const auto out_rows = static_cast<std::int64_t>(row_taps_.size());
    const auto out_cols = static_cast<std::int64_t>(col_taps_.size());
    output.reshape({batch, out_rows, out_cols, channels});
    const std::int64_t in_size = input_shape_.element_count();
    for (std::int64_t b = 0; b < batch; ++b) {
        const float* in = x.f32() + b * in_size;
        float* out = output.f32() + b * out_rows * out_cols * channels;
        for (std::int64_t r = 0; r < out_rows; ++r) {
            const tap& tr = row_taps_[static_cast<std::size_t>(r)];
            for (std::int64_t c = 0; c < out_cols; ++c) {
                const tap& tc = col_taps_[static_cast<std::size_t>(c)];
                const float* a = in + (tr.low * cols + tc.low) * channels;
                const float* bb = in + (tr.low * cols + tc.high) * channels;
                const float* cc = in + (tr.high * cols + tc.low) * channels;
                const float* d = in + (tr.high * cols + tc.high) * channels;
                float* y = out + (r * out_cols + c) * channels;
                for (std::int64_t k = 0; k < channels; ++k) {
                    const float top = a[k] + tc.weight * (bb[k] - a[k]);
                    const float bottom = cc[k] + tc.weight * (d[k] - cc[k]);
                    y[k] = top + tr.weight * (bottom - top);
                }
            }
        }
    }
}

void up_sampling2d_layer::backward(backend&, const std::vector<const tensor*>& inputs, const tensor&,
                                   const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    if (input_grads[0] == nullptr) return;
    tensor& dx = *input_grads[0];
    dx.reshape(inputs[0]->dims());
    std::fill(dx.f32(), dx.f32() + dx.size(), 0.0f);
    const std::int64_t batch = dx.dims()[0];
    const std::int64_t cols = input_shape_[1];
    const std::int64_t channels = input_shape_[2];
    const auto out_rows = static_cast<std::int64_t>(row_taps_.size());
    const auto out_cols = static_cast<std::int64_t>(col_taps_.size());
    const std::int64_t in_size = input_shape_.element_count();
    for (std::int64_t b = 0; b < batch; ++b) {
        float* d = dx.f32() + b * in_size;
        const float* dy = output_grad.f32() + b * out_rows * out_cols * channels;
        for (std::int64_t r = 0; r < out_rows; ++r) {
            const tap& tr = row_taps_[static_cast<std::size_t>(r)];
            for (std::int64_t c = 0; c < out_cols; ++c) {
                const tap& tc = col_taps_[static_cast<std::size_t>(c)];
                const float* g = dy + (r * out_cols + c) * channels;
                const float w_low = (1.0f - tr.weight), w_high = tr.weight;
                const float v_low = (1.0f - tc.weight), v_high = tc.weight;
                float* a = d + (tr.low * cols + tc.low) * channels;
                float* bb = d + (tr.low * cols + tc.high) * channels;
                float* cc = d + (tr.high * cols + tc.low) * channels;
                float* e = d + (tr.high * cols + tc.high) * channels;
                for (std::int64_t k = 0; k < channels; ++k) {
                    a[k] += g[k] * w_low * v_low;
                    bb[k] += g[k] * w_low * v_high;
                    cc[k] += g[k] * w_high * v_low;
                    e[k] += g[k] * w_high * v_high;
                }
            }
        }
    }
}

const layer_class& up_sampling2d_layer::description()
{
    static const layer_class description{
        "UpSampling2D",
        "enlarges each image by whole factors, repeating cells (nearest) or interpolating (bilinear)",
        {{"size", value_kind::integer_tuple, "2", "the factor of rows and columns (one value for both, or [rows, cols])"},
         {"data_format", value_kind::string, "channels_last", "samples are [rows, cols, channels]", {"channels_last"}},
         {"interpolation", value_kind::string, "nearest",
          "nearest: each cell repeated; bilinear: TensorFlow's image.resize with half-pixel centres, as Keras",
          {"nearest", "bilinear"}}},
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<up_sampling2d_layer>(spec.name, std::get<up_sampling2d_options>(spec.options));
        },
    };
    return description;
}

}  // namespace mlrun
