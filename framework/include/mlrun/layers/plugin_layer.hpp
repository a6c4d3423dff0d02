// A layer whose computation lives in a layer plugin (abi/mlrun_layer.h).
//
// The host side of the boundary: it checks the configuration against the
// keys the plugin declares, stores the parameters the plugin asks for (so
// checkpoints and optimizers treat them like any other weight), and turns
// the plugin's status codes into exceptions naming the layer.
#pragma once

#include "mlrun/abi/mlrun_layer.h"
#include "mlrun/layers/layer.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mlrun {

// How a plugin layer appears in a Keras file (abi/mlrun_layer.h): its
// Keras class, and each configuration key's Keras name and kind.
struct keras_layer_form {
    struct key {
        std::string name;        // as the plugin declares it
        std::string keras_name;  // in the Keras config
        std::string kind;        // number, integer, boolean or string
    };
    std::string class_name;  // mlrun's, as configurations name it
    std::string keras_class_name;
    std::vector<key> keys;
};

class plugin_layer final : public layer {
public:
    // Fills each declared key the settings leave out with the plugin's
    // default; throws config_error for an unknown key or a missing required one.
    plugin_layer(const std::string& name, const mlrun_layer_table& table, const plugin_layer_options& options);
    ~plugin_layer() override;

    std::string class_name() const override { return table_.class_name; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override;
    // The plugin's Keras form; none when it declares none.
    std::optional<keras_layer_form> keras_form() const;

private:
    void check(mlrun_status status, const char* what) const;

    const mlrun_layer_table& table_;
    plugin_layer_options options_;
    mlrun_layer* handle_ = nullptr;
    shape output_shape_;
    std::vector<const float*> param_values_;  // refreshed per call; sized once in build()
    std::vector<float*> param_grads_;
};

}  // namespace mlrun
