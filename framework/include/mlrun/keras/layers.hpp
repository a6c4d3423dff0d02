// Keras's layer constructors as functions returning layer specs:
//
//     keras::dense(512, "relu")                   // Dense(512, activation='relu')
//     keras::dropout(0.2f)                         // Dropout(0.2)
//     keras::dense(10).named("logits")             // Dense(10, name='logits')
//
// Settings beyond the common ones are set on the option structs of
// layers/layer_spec.hpp and passed whole: keras::dense(options).
#pragma once

#include "mlrun/layers/layer_spec.hpp"

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace mlrun::keras {

// A layer spec with a fluent name, so a model reads as a list of layers.
struct layer : layer_spec {
    // From any layer's options (dense_options, plugin_layer_options, ...).
    template <class Options, class = std::enable_if_t<std::is_constructible_v<layer_options, Options>>>
    layer(Options options) : layer_spec{"", layer_options(std::move(options))}  // NOLINT(google-explicit-constructor)
    {
    }
    layer named(std::string name) const;
};

layer input(std::vector<std::int64_t> shape);
layer dense(std::int64_t units, std::string activation = "linear");
layer dense(const dense_options& options);
layer dropout(float rate);
layer activation(std::string name);
layer flatten();
layer add();
layer concatenate();
layer batch_normalization(const batch_normalization_options& options = {});

}  // namespace mlrun::keras
