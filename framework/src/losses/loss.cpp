#include "mlrun/losses/loss.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/model/model.hpp"

namespace mlrun {
namespace {

// Keras's backend epsilon: how far probabilities are kept from 0 and 1.
constexpr float probability_epsilon = 1e-7f;

struct named_loss {
    const char* name;
    loss_kind kind;
};

constexpr named_loss known[] = {
    {"sparse_categorical_crossentropy", loss_kind::sparse_categorical_crossentropy},
    {"categorical_crossentropy", loss_kind::categorical_crossentropy},
    {"binary_crossentropy", loss_kind::binary_crossentropy},
    {"mean_squared_error", loss_kind::mean_squared_error},
    {"mse", loss_kind::mean_squared_error},
};

}  // namespace

loss_kind parse_loss(const std::string& name)
{
    for (const auto& l : known) {
        if (name == l.name) return l.kind;
    }
    std::string list;
    for (const auto& l : known) list += std::string(list.empty() ? "" : ", ") + l.name;
    throw config_error("unknown loss '" + name + "'; known: " + list);
}

std::string loss_name(loss_kind kind)
{
    for (const auto& l : known) {
        if (l.kind == kind) return l.name;
    }
    return "";
}

std::vector<std::string> loss_names()
{
    std::vector<std::string> names;
    for (const auto& l : known) names.emplace_back(l.name);
    return names;
}

void loss_function::attach(model& m)
{
    layer& out = m.output_layer();
    const bool categorical =
        kind_ == loss_kind::sparse_categorical_crossentropy || kind_ == loss_kind::categorical_crossentropy;
    fused_softmax_ = categorical && out.output_activation() == activation_kind::softmax && out.preactivation();
    fused_sigmoid_ = kind_ == loss_kind::binary_crossentropy &&
                     out.output_activation() == activation_kind::sigmoid && out.preactivation();
    out.set_gradient_at_preactivation(fused_softmax_ || fused_sigmoid_);
}

void loss_function::check_targets(const tensor& prediction, const tensor& targets) const
{
    const std::int64_t batch = prediction.dims()[0];
    const std::int64_t width = prediction.size() / std::max<std::int64_t>(batch, 1);
    if (targets.type() == dtype::int32) {
        const bool class_loss = kind_ == loss_kind::sparse_categorical_crossentropy ||
                                kind_ == loss_kind::categorical_crossentropy;
        if (!class_loss) {
            throw data_error("loss " + loss_name(kind_) + " needs float targets shaped like the output " +
                             prediction.dims().to_string() + ", found integer class labels");
        }
        if (targets.size() != batch) {
            throw data_error("loss " + loss_name(kind_) + ": " + std::to_string(targets.size()) + " labels for " +
                             std::to_string(batch) + " samples");
        }
        return;
    }
    if (kind_ == loss_kind::sparse_categorical_crossentropy) {
        throw data_error("loss sparse_categorical_crossentropy needs integer class labels, found float targets " +
                         targets.dims().to_string() + "; use categorical_crossentropy for one-hot targets");
    }
    if (targets.size() != batch * width) {
        throw data_error("loss " + loss_name(kind_) + ": targets of shape " + targets.dims().to_string() +
                         " do not match the model output " + prediction.dims().to_string());
    }
}

double loss_function::compute(backend& be, model& m, const tensor& prediction, const tensor& targets, bool gradient)
{
    check_targets(prediction, targets);
    const std::int64_t rows = prediction.dims()[0];
    const std::int64_t cols = prediction.size() / std::max<std::int64_t>(rows, 1);
    const float scale = 1.0f / static_cast<float>(rows);
    const std::int32_t* labels = targets.type() == dtype::int32 ? targets.data<std::int32_t>() : nullptr;
    const float* values = labels == nullptr ? targets.f32() : nullptr;
    losses_.reshape({rows});
    float* dout = nullptr;
    if (gradient) {
        tensor& grad = m.output_grad();
        grad.reshape(prediction.dims());
        dout = grad.f32();
    }
    if (fused_softmax_ || fused_sigmoid_) {
        const float* logits = m.output_layer().preactivation()->f32();
        scratch_.reshape(prediction.dims());
        if (fused_softmax_) {
            be.softmax_cross_entropy(rows, cols, logits, labels, values, scratch_.f32(), losses_.f32(), dout, scale);
        } else {
            be.sigmoid_cross_entropy(rows, cols, logits, values, scratch_.f32(), losses_.f32(), dout, scale);
        }
    } else if (kind_ == loss_kind::mean_squared_error) {
        be.mean_squared_error(rows, cols, prediction.f32(), values, losses_.f32(), dout, scale);
    } else {
        const bool binary = kind_ == loss_kind::binary_crossentropy;
        be.probability_cross_entropy(binary, rows, cols, prediction.f32(), labels, values, probability_epsilon,
                                     losses_.f32(), dout, scale);
    }
    return be.sum(rows, losses_.f32());
}

}  // namespace mlrun
