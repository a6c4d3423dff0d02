#include "mlrun/layers/plugin_layer.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/layers/initializer.hpp"
#include "mlrun/plugin/table_fields.hpp"

#include <algorithm>
#include <array>

namespace mlrun {

plugin_layer::plugin_layer(const std::string& name, const mlrun_layer_table& table,
                           const plugin_layer_options& given)
    : layer(name), table_(table)
{
    const std::string where = "layer '" + name + "' (" + table_.class_name + ")";
    for (const auto& setting : given.settings) {
        bool declared = false;
        for (std::size_t i = 0; i < table_.key_count && !declared; ++i) declared = setting.first == table_.keys[i].name;
        if (!declared) throw config_error(where + ": unknown setting '" + setting.first + "'");
    }
    // In the plugin's order, defaults filled in, as an experiment file's layer is.
    options_.class_name = table_.class_name;
    for (std::size_t i = 0; i < table_.key_count; ++i) {
        const mlrun_layer_key& key = table_.keys[i];
        const auto set = std::find_if(given.settings.begin(), given.settings.end(),
                                      [&](const auto& s) { return s.first == key.name; });
        if (set != given.settings.end()) {
            options_.settings.push_back(*set);
        } else if (key.default_value != nullptr) {
            options_.settings.emplace_back(key.name, key.default_value);
        } else {
            throw config_error(where + ": missing the required setting '" + std::string(key.name) + "'");
        }
    }
    std::vector<mlrun_option> options;
    for (const auto& [key, value] : options_.settings) options.push_back({key.c_str(), value.c_str()});
    std::array<char, 512> error{};
    if (table_.create(options.data(), options.size(), &handle_, error.data(), error.size()) != MLRUN_STATUS_OK ||
        handle_ == nullptr) {
        throw config_error("layer '" + name + "' (" + table_.class_name + "): " + error.data());
    }
}

std::optional<keras_layer_form> plugin_layer::keras_form() const
{
    const char* keras_class = field_or(table_, &mlrun_layer_table::keras_class_name);
    if (keras_class == nullptr || *keras_class == '\0') return std::nullopt;
    const char* const* keras_keys = field_or(table_, &mlrun_layer_table::keras_config_keys);
    keras_layer_form form;
    form.class_name = table_.class_name;
    form.keras_class_name = keras_class;
    for (std::size_t i = 0; i < table_.key_count; ++i) {
        const mlrun_layer_key& key = table_.keys[i];
        const char* keras_name = keras_keys != nullptr && keras_keys[i] != nullptr ? keras_keys[i] : key.name;
        form.keys.push_back({key.name, keras_name, key.kind});
    }
    return form;
}

plugin_layer::~plugin_layer()
{
    if (handle_ != nullptr) table_.destroy(handle_);
}

void plugin_layer::check(mlrun_status status, const char* what) const
{
    if (status != MLRUN_STATUS_OK) {
        const char* message = table_.last_error(handle_);
        throw model_error("layer '" + name() + "' (" + table_.class_name + "), " + what + ": " +
                          (message != nullptr ? message : "failed"));
    }
}

shape plugin_layer::build(const std::vector<shape>& input_shapes, rng& init)
{
    const shape& in = input_shapes.at(0);
    std::array<std::int64_t, MLRUN_LAYER_MAX_RANK> out{};
    std::int32_t out_rank = 0;
    check(table_.build(handle_, in.dims().data(), static_cast<std::int32_t>(in.rank()), out.data(), &out_rank),
          "build");
    if (out_rank < 0 || out_rank > MLRUN_LAYER_MAX_RANK) throw model_error("layer '" + name() + "': bad output rank");
    output_shape_ = shape(std::vector<std::int64_t>(out.begin(), out.begin() + out_rank));

    const std::int32_t count = table_.parameter_count(handle_);
    for (std::int32_t i = 0; i < count; ++i) {
        const char* param_name = nullptr;
        const char* initializer = nullptr;
        std::array<std::int64_t, MLRUN_LAYER_MAX_RANK> dims{};
        std::int32_t rank = 0;
        check(table_.parameter_info(handle_, i, &param_name, dims.data(), &rank, &initializer), "parameter_info");
        if (param_name == nullptr || rank < 0 || rank > MLRUN_LAYER_MAX_RANK) {
            throw model_error("layer '" + name() + "': parameter " + std::to_string(i) + " is malformed");
        }
        const std::string init_name = initializer != nullptr ? initializer : "zeros";
        check_initializer(init_name);
        parameter& p = add_parameter(param_name, shape(std::vector<std::int64_t>(dims.begin(), dims.begin() + rank)));
        // Keras's fans: a matrix is (in, out); anything else counts its size both ways.
        const std::int64_t fan_in = rank >= 2 ? dims[0] : p.value.size();
        const std::int64_t fan_out = rank >= 2 ? dims[1] : p.value.size();
        initialize(p.value, init_name, fan_in, fan_out, init);
    }
    param_values_.resize(static_cast<std::size_t>(count));
    param_grads_.resize(static_cast<std::size_t>(count));
    return output_shape_;
}

void plugin_layer::forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    output.reshape(output_shape_.with_batch(batch));
    for (std::size_t i = 0; i < param_values_.size(); ++i) param_values_[i] = parameters()[i].value.f32();
    check(table_.forward(handle_, batch, x.f32(), output.f32(), param_values_.data(), ctx.training ? 1 : 0),
          "forward");
}

void plugin_layer::backward(backend&, const std::vector<const tensor*>& inputs, const tensor& output,
                            const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    const tensor& x = *inputs[0];
    float* dx = nullptr;
    if (input_grads[0] != nullptr) {
        input_grads[0]->reshape(x.dims());
        dx = input_grads[0]->f32();
    }
    for (std::size_t i = 0; i < param_values_.size(); ++i) {
        param_values_[i] = parameters()[i].value.f32();
        param_grads_[i] = parameters()[i].grad.f32();
    }
    check(table_.backward(handle_, x.dims()[0], x.f32(), output.f32(), output_grad.f32(), dx, param_values_.data(),
                          param_grads_.data()),
          "backward");
}

layer_spec plugin_layer::config() const { return {name(), options_}; }

}  // namespace mlrun
