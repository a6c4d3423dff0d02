#include "mlrun/layers/penalized_weights.hpp"

#include "mlrun/layers/weight_penalties.hpp"

#include <type_traits>
#include <utility>

namespace mlrun {
namespace {

template <class T>
constexpr bool has_kernel_and_bias = std::is_base_of_v<weight_regularization, T>;

struct view_maker {
    weight_penalties_view operator()(depthwise_conv2d_options& o) const
    {
        return {{{"depthwise", "depthwise_kernel", &o.depthwise_regularizer, &o.depthwise_constraint},
                 {"bias", "bias", &o.bias_regularizer, &o.bias_constraint}},
                &o.activity_regularizer};
    }
    weight_penalties_view operator()(separable_conv2d_options& o) const
    {
        return {{{"depthwise", "depthwise_kernel", &o.depthwise_regularizer, &o.depthwise_constraint},
                 {"pointwise", "pointwise_kernel", &o.pointwise_regularizer, &o.pointwise_constraint},
                 {"bias", "bias", &o.bias_regularizer, &o.bias_constraint}},
                &o.activity_regularizer};
    }
    weight_penalties_view operator()(batch_normalization_options& o) const { return normalization(o); }
    weight_penalties_view operator()(layer_normalization_options& o) const { return normalization(o); }
    weight_penalties_view operator()(embedding_options& o) const
    {
        return {{{"embeddings", "embeddings", &o.embeddings_regularizer, &o.embeddings_constraint}},
                &o.activity_regularizer};
    }
    weight_penalties_view operator()(prelu_options& o) const
    {
        return {{{"alpha", "alpha", &o.alpha_regularizer, &o.alpha_constraint}}, nullptr};
    }
    template <class T>
    weight_penalties_view operator()(T& o) const
    {
        if constexpr (has_kernel_and_bias<T>) {
            return penalties_of(static_cast<weight_regularization&>(o));
        } else {
            return {};
        }
    }

    // Keras lists beta before gamma in its keys.
    template <class T>
    static weight_penalties_view normalization(T& o)
    {
        return {{{"beta", "beta", &o.beta_regularizer, &o.beta_constraint},
                 {"gamma", "gamma", &o.gamma_regularizer, &o.gamma_constraint}},
                nullptr};
    }
};

// The default options of the class named `class_name`, trying each
// alternative of layer_options in turn.
template <std::size_t I = 0>
std::optional<layer_options> defaults_of(const std::string& class_name)
{
    if constexpr (I == std::variant_size_v<layer_options>) {
        return std::nullopt;
    } else {
        layer_options o(std::in_place_index<I>);
        if (class_name_of(o) == class_name) return o;
        return defaults_of<I + 1>(class_name);
    }
}

}  // namespace

weight_penalties_view penalties_of(layer_options& options) { return std::visit(view_maker{}, options); }

weight_penalties_view penalties_of(weight_regularization& w)
{
    return {{{"kernel", "kernel", &w.kernel_regularizer, &w.kernel_constraint},
             {"bias", "bias", &w.bias_regularizer, &w.bias_constraint}},
            &w.activity_regularizer};
}

std::vector<key_spec> weight_penalty_keys(const std::string& class_name)
{
    std::optional<layer_options> defaults = defaults_of(class_name);
    if (!defaults || std::holds_alternative<plugin_layer_options>(*defaults)) return {};
    const weight_penalties_view view = penalties_of(*defaults);
    std::vector<key_spec> keys;
    for (const penalized_weight& w : view.weights) {
        keys.push_back(regularizer_key(std::string(w.stem) + "_regularizer", "the " + std::string(w.parameter)));
    }
    if (view.activity != nullptr) {
        keys.push_back(regularizer_key("activity_regularizer", "the layer's output, divided by the batch size"));
    }
    for (const penalized_weight& w : view.weights) {
        keys.push_back(constraint_key(std::string(w.stem) + "_constraint", "the " + std::string(w.parameter)));
    }
    return keys;
}

void check_weight_penalties(const weight_penalties_view& view, const std::string& where)
{
    for (const penalized_weight& w : view.weights) {
        if (*w.regularizer) check_regularizer(**w.regularizer, where + ": " + w.stem + "_regularizer");
        if (*w.constraint) check_constraint(**w.constraint, where + ": " + w.stem + "_constraint");
    }
    if (view.activity != nullptr && *view.activity) {
        check_regularizer(**view.activity, where + ": activity_regularizer");
    }
}

}  // namespace mlrun
