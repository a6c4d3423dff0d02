#include "interop/keras/keras3_shapes.hpp"

#include "interop/keras/format_error.hpp"
#include "mlrun/backend/window_geometry.hpp"

#include <algorithm>

namespace mlrun::interop::keras {
namespace {

std::string shape_text(const std::vector<std::int64_t>& shape)
{
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) text += (i == 0 ? "" : ", ") + std::to_string(shape[i]);
    return text + "]";
}

bool ends_with_text(const std::string& text, const char* suffix)
{
    const std::string s(suffix);
    return text.size() >= s.size() && text.compare(text.size() - s.size(), s.size(), s) == 0;
}

// 1 for the 1-D window classes (Conv1D, MaxPooling1D), 2 for the others.
std::size_t spatial_rank(const std::string& class_name) { return ends_with_text(class_name, "1D") ? 1 : 2; }

std::int64_t tuple_at(const json& keras, const char* key, std::size_t axis)
{
    return keras.at(key).at(axis).get<std::int64_t>();
}

// One spatial axis of a window that slides over `length`, as the layers
// and kernels compute it (window_geometry): "same" pads as TensorFlow does,
// "valid" not at all.
std::int64_t sliding_length(std::int64_t length, std::int64_t window, std::int64_t stride, std::int64_t dilation,
                            const std::string& padding)
{
    const window_geometry::padding pad =
        padding == "same" ? window_geometry::same_padding(length, window, stride, dilation) : window_geometry::padding{};
    return window_geometry::output_length(length, window, stride, dilation, pad);
}

// One spatial axis of Conv2DTranspose without output_padding (Keras's
// deconv_output_length): each input position spreads `stride` apart, and a
// valid-padded kernel wider than the stride adds its overhang.
std::int64_t transposed_length(std::int64_t length, std::int64_t window, std::int64_t stride, std::int64_t dilation,
                               const std::string& padding)
{
    const std::int64_t span = window_geometry::extent(window, dilation);
    if (padding == "same") return length * stride;
    return length * stride + std::max<std::int64_t>(span - stride, 0);
}

void check_rank(const std::vector<std::int64_t>& shape, std::size_t rank, const std::string& where)
{
    if (shape.size() != rank + 1) {
        throw format_error(where + ": expects " + (rank == 1 ? "sequences (steps, channels)" : "images (rows, cols, channels)") +
                           ", found an input of shape " + shape_text(shape));
    }
}

bool is_window_class(const std::string& n)
{
    return n == "Conv1D" || n == "Conv2D" || n == "Conv2DTranspose" || n == "DepthwiseConv2D" ||
           n == "SeparableConv2D" || n == "MaxPooling1D" || n == "MaxPooling2D" || n == "AveragePooling1D" ||
           n == "AveragePooling2D";
}

std::vector<std::int64_t> window_output(const layer_spec& layer, const json& keras, std::vector<std::int64_t> shape,
                                        const std::string& where)
{
    const std::string& n = layer.class_name;
    const std::size_t rank = spatial_rank(n);
    check_rank(shape, rank, where);
    const std::vector<std::int64_t> input = shape;
    const bool pooling = n.find("Pooling") != std::string::npos;
    const char* window = pooling ? "pool_size" : "kernel_size";
    const std::string padding = keras.at("padding").get<std::string>();
    for (std::size_t axis = 0; axis < rank; ++axis) {
        const std::int64_t w = tuple_at(keras, window, axis);
        const std::int64_t s = tuple_at(keras, "strides", axis);
        const std::int64_t d = pooling ? 1 : tuple_at(keras, "dilation_rate", axis);
        shape[axis] = n == "Conv2DTranspose" ? transposed_length(shape[axis], w, s, d, padding)
                                             : sliding_length(shape[axis], w, s, d, padding);
        if (shape[axis] < 1) {
            throw format_error(where + ": its " + std::to_string(w) + "-wide window does not fit an input of shape " +
                               shape_text(input) + " with valid padding");
        }
    }
    if (n == "DepthwiseConv2D") {
        shape.back() *= keras.at("depth_multiplier").get<std::int64_t>();
    } else if (!pooling) {
        shape.back() = keras.at("filters").get<std::int64_t>();
    }
    return shape;
}

}  // namespace

std::vector<std::int64_t> keras3_output_shape(const layer_spec& layer, const json& keras, std::vector<std::int64_t> shape,
                                              const std::string& where)
{
    const std::string& n = layer.class_name;
    if (is_window_class(n)) return window_output(layer, keras, std::move(shape), where);
    if (n.rfind("Global", 0) == 0 && n.find("Pooling") != std::string::npos) {
        const std::size_t rank = spatial_rank(n);
        check_rank(shape, rank, where);
        // The spatial axes go, or stay as ones with keepdims.
        if (keras.at("keepdims").get<bool>()) {
            std::fill(shape.begin(), shape.end() - 1, 1);
            return shape;
        }
        return {shape.back()};
    }
    if (n == "Dense") {
        const YAML::Node units = layer.config["units"];
        if (!units || shape.empty()) throw format_error(where + ": a Dense layer needs units and an input");
        shape.back() = units.as<std::int64_t>();
    } else if (n == "Flatten") {
        std::int64_t count = 1;
        for (std::int64_t d : shape) count *= d;
        shape = {count};
    } else if (n == "Reshape") {
        std::int64_t count = 1;
        for (std::int64_t d : shape) count *= d;
        std::vector<std::int64_t> target = layer.config["target_shape"].as<std::vector<std::int64_t>>();
        std::int64_t known = 1;
        for (std::int64_t d : target) known *= d == -1 ? 1 : d;
        for (std::int64_t& d : target) d = d == -1 && known > 0 ? count / known : d;
        shape = target;
    } else if (n == "Permute") {
        const std::vector<std::int64_t> dims = layer.config["dims"].as<std::vector<std::int64_t>>();
        std::vector<std::int64_t> out;
        for (std::int64_t d : dims) {
            if (d < 1 || d > static_cast<std::int64_t>(shape.size())) throw format_error(where + ": dims do not fit the input");
            out.push_back(shape[static_cast<std::size_t>(d - 1)]);
        }
        shape = out;
    } else if (n == "ZeroPadding2D" || n == "Cropping2D" || n == "UpSampling2D") {
        check_rank(shape, 2, where);
        const bool up = n == "UpSampling2D";
        const YAML::Node amounts = layer.config[up ? "size" : n == "Cropping2D" ? "cropping" : "padding"];
        const int sign = n == "Cropping2D" ? -1 : 1;
        for (std::size_t axis = 0; axis < 2; ++axis) {
            if (up) {
                shape[axis] *= amounts[axis].as<std::int64_t>();
            } else {
                shape[axis] += sign * (amounts[axis][0].as<std::int64_t>() + amounts[axis][1].as<std::int64_t>());
            }
        }
    } else if (n == "Embedding") {
        shape.push_back(layer.config["output_dim"].as<std::int64_t>());
    }
    // The rest (Dropout, Activation, BatchNormalization, LayerNormalization,
    // SpatialDropout2D, ELU, ReLU, PReLU) keep their input's shape.
    return shape;
}

}  // namespace mlrun::interop::keras
