#include "mlrun/layers/pooling.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/layer_registry.hpp"

namespace mlrun {
namespace {

// Gives `t` the shape [batch, sample...] of a pooling output (sample of rank
// 1 to 3) in place: building that shape would allocate in every step.
void reshape_samples(tensor& t, std::int64_t batch, const shape& sample)
{
    if (sample.rank() == 1) t.reshape({batch, sample[0]});
    else if (sample.rank() == 2) t.reshape({batch, sample[0], sample[1]});
    else t.reshape({batch, sample[0], sample[1], sample[2]});
}

// ---- the backend's pooling, for one batch

mlrun_pool2d_shape kernel_shape(const conv_geometry& g, std::int64_t batch)
{
    mlrun_pool2d_shape s{};
    s.batch = batch;
    s.in_height = g.rows.input;
    s.in_width = g.cols.input;
    s.channels = g.in_channels;
    s.out_height = g.rows.output;
    s.out_width = g.cols.output;
    s.window_height = g.rows.window;
    s.window_width = g.cols.window;
    s.stride_height = g.rows.stride;
    s.stride_width = g.cols.stride;
    s.pad_top = g.rows.pad_before;
    s.pad_bottom = g.rows.pad_after;
    s.pad_left = g.cols.pad_before;
    s.pad_right = g.cols.pad_after;
    return s;
}

// The settings of each class, as one record.
struct pool_settings {
    pool_kind kind;
    std::size_t rank;
    bool global;
    std::array<std::int64_t, 2> pool_size{1, 1};
    std::array<std::int64_t, 2> strides{1, 1};
    std::string padding = "valid";
    std::string data_format = "channels_last";
    bool keepdims = false;
};

template <std::size_t Rank>
pool_settings windowed(pool_kind kind, const pooling_options<Rank>& o)
{
    pool_settings s{kind, Rank, false};
    const std::array<std::int64_t, Rank> strides = o.strides ? *o.strides : o.pool_size;
    for (std::size_t i = 0; i < Rank; ++i) {
        s.pool_size[2 - Rank + i] = o.pool_size[i];
        s.strides[2 - Rank + i] = strides[i];
    }
    s.padding = o.padding;
    s.data_format = o.data_format;
    return s;
}

pool_settings global(pool_kind kind, std::size_t rank, const global_pooling_options& o)
{
    pool_settings s{kind, rank, true};
    s.data_format = o.data_format;
    s.keepdims = o.keepdims;
    return s;
}

pool_settings settings_of(const layer_options& options)
{
    struct reader {
        pool_settings operator()(const max_pooling1d_options& o) const { return windowed(pool_kind::max, o); }
        pool_settings operator()(const max_pooling2d_options& o) const { return windowed(pool_kind::max, o); }
        pool_settings operator()(const average_pooling1d_options& o) const { return windowed(pool_kind::average, o); }
        pool_settings operator()(const average_pooling2d_options& o) const { return windowed(pool_kind::average, o); }
        pool_settings operator()(const global_max_pooling1d_options& o) const { return global(pool_kind::max, 1, o); }
        pool_settings operator()(const global_max_pooling2d_options& o) const { return global(pool_kind::max, 2, o); }
        pool_settings operator()(const global_average_pooling1d_options& o) const
        {
            return global(pool_kind::average, 1, o);
        }
        pool_settings operator()(const global_average_pooling2d_options& o) const
        {
            return global(pool_kind::average, 2, o);
        }
        pool_settings operator()(const layer_options&) const
        {
            throw std::logic_error("pooling_layer: options of another class");
        }
    };
    return std::visit([](const auto& o) { return reader{}(o); }, options);
}

std::vector<key_spec> windowed_keys(std::size_t rank)
{
    const std::string pair = rank == 1 ? "" : " (one value for both axes, or [rows, cols])";
    return {
        {"pool_size", value_kind::integer_tuple, "2", "size of the window" + pair},
        {"strides", value_kind::integer_tuple, "null", "step of the window (null: pool_size)" + pair},
        {"padding", value_kind::string, "valid",
         "valid: whole windows only; same: output size ceil(input / stride), padded as TensorFlow pads",
         {"valid", "same"}},
        {"data_format", value_kind::string, "channels_last", "samples are [rows, cols, channels]", {"channels_last"}},
    };
}

std::vector<key_spec> global_keys()
{
    return {
        {"data_format", value_kind::string, "channels_last", "samples are [rows, cols, channels]", {"channels_last"}},
        {"keepdims", value_kind::boolean, "false", "keep the pooled axes, with size 1"},
    };
}

layer_class pooling_class(const char* name, const char* doc, std::vector<key_spec> keys)
{
    return {name, doc, std::move(keys), [](const layer_spec& spec) -> std::unique_ptr<layer> {
                return std::make_unique<pooling_layer>(spec.name, spec.options);
            }};
}

}  // namespace

pooling_layer::pooling_layer(const std::string& name, const layer_options& options) : layer(name), options_(options)
{
    const pool_settings s = settings_of(options);
    kind_ = s.kind;
    rank_ = s.rank;
    global_ = s.global;
    keepdims_ = s.keepdims;
    pool_size_ = s.pool_size;
    strides_ = s.strides;
    const std::string where = "layer '" + name + "' (" + class_name_of(options) + ")";
    check_channels_last(s.data_format, where);
    if (!global_) {
        padding_ = parse_padding(s.padding, where);
        check_positive(pool_size_, "pool_size", where);
        check_positive(strides_, "strides", where);
    }
}

shape pooling_layer::build(const std::vector<shape>& input_shapes, rng&)
{
    const std::string where = "layer '" + name() + "' (" + class_name() + ")";
    const shape& in = input_shapes.at(0);
    if (in.rank() != rank_ + 1) {
        throw model_error(where + " expects samples of shape " +
                          (rank_ == 2 ? std::string("(rows, cols, channels)") : std::string("(steps, channels)")) +
                          ", found " + in.to_string());
    }
    const std::int64_t rows = rank_ == 2 ? in[0] : 1;
    const std::int64_t cols = in[rank_ - 1];
    const std::int64_t channels = in[rank_];
    if (global_) {
        pool_size_ = {rows, cols};
        strides_ = {1, 1};
        padding_ = padding_kind::valid;
    }
    geometry_.rows = slide(rows, pool_size_[0], strides_[0], 1, padding_, "the pool window", where);
    geometry_.cols = slide(cols, pool_size_[1], strides_[1], 1, padding_, "the pool window", where);
    geometry_.in_channels = channels;
    geometry_.out_channels = channels;
    if (global_ && !keepdims_) {
        output_shape_ = {channels};
    } else if (rank_ == 1) {
        output_shape_ = {geometry_.cols.output, channels};
    } else {
        output_shape_ = {geometry_.rows.output, geometry_.cols.output, channels};
    }
    return output_shape_;
}

void pooling_layer::forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    reshape_samples(output, batch, output_shape_);
    const mlrun_pool2d_shape s = kernel_shape(geometry_, batch);
    if (kind_ == pool_kind::max) {
        argmax_.resize(static_cast<std::size_t>(output.size()));
        ctx.be.pool2d_forward(MLRUN_POOLING_MAX, s, x.f32(), output.f32(), argmax_.data());
    } else {
        ctx.be.pool2d_forward(MLRUN_POOLING_AVERAGE, s, x.f32(), output.f32(), nullptr);
    }
}

void pooling_layer::backward(backend& be, const std::vector<const tensor*>& inputs, const tensor&,
                             const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    if (input_grads[0] == nullptr) return;
    const tensor& x = *inputs[0];
    input_grads[0]->reshape(x.dims());
    const mlrun_pool2d_shape s = kernel_shape(geometry_, x.dims()[0]);
    const bool max = kind_ == pool_kind::max;
    be.pool2d_backward(max ? MLRUN_POOLING_MAX : MLRUN_POOLING_AVERAGE, s, x.f32(), max ? argmax_.data() : nullptr,
                       output_grad.f32(), input_grads[0]->f32());
}

const layer_class& pooling_layer::max_pooling1d_description()
{
    static const layer_class c = pooling_class("MaxPooling1D", "the largest value of each window of steps", windowed_keys(1));
    return c;
}
const layer_class& pooling_layer::max_pooling2d_description()
{
    static const layer_class c = pooling_class("MaxPooling2D", "the largest value of each window of cells", windowed_keys(2));
    return c;
}
const layer_class& pooling_layer::average_pooling1d_description()
{
    static const layer_class c = pooling_class("AveragePooling1D", "the mean of each window of steps", windowed_keys(1));
    return c;
}
const layer_class& pooling_layer::average_pooling2d_description()
{
    static const layer_class c = pooling_class("AveragePooling2D", "the mean of each window of cells", windowed_keys(2));
    return c;
}
const layer_class& pooling_layer::global_max_pooling1d_description()
{
    static const layer_class c = pooling_class("GlobalMaxPooling1D", "the largest value of each channel over all steps", global_keys());
    return c;
}
const layer_class& pooling_layer::global_max_pooling2d_description()
{
    static const layer_class c = pooling_class("GlobalMaxPooling2D", "the largest value of each channel over all cells", global_keys());
    return c;
}
const layer_class& pooling_layer::global_average_pooling1d_description()
{
    static const layer_class c = pooling_class("GlobalAveragePooling1D", "the mean of each channel over all steps", global_keys());
    return c;
}
const layer_class& pooling_layer::global_average_pooling2d_description()
{
    static const layer_class c = pooling_class("GlobalAveragePooling2D", "the mean of each channel over all cells", global_keys());
    return c;
}

}  // namespace mlrun
