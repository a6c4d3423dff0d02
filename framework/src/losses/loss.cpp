#include "mlrun/losses/loss.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/core/text.hpp"
#include "mlrun/model/model.hpp"

#include "losses/row_losses.hpp"

#include <cmath>

namespace mlrun {
namespace {

// Keras's backend epsilon: how far probabilities are kept from 0 and 1.
constexpr float probability_epsilon = 1e-7f;

struct named_loss {
    const char* name;
    loss_kind kind;
};

// Keras's names, each kind's own first, then its aliases (keras.losses.get).
constexpr named_loss known[] = {
    {"sparse_categorical_crossentropy", loss_kind::sparse_categorical_crossentropy},
    {"categorical_crossentropy", loss_kind::categorical_crossentropy},
    {"binary_crossentropy", loss_kind::binary_crossentropy},
    {"mean_squared_error", loss_kind::mean_squared_error},
    {"mean_absolute_error", loss_kind::mean_absolute_error},
    {"mean_absolute_percentage_error", loss_kind::mean_absolute_percentage_error},
    {"mean_squared_logarithmic_error", loss_kind::mean_squared_logarithmic_error},
    {"huber", loss_kind::huber},
    {"log_cosh", loss_kind::log_cosh},
    {"kl_divergence", loss_kind::kl_divergence},
    {"poisson", loss_kind::poisson},
    {"hinge", loss_kind::hinge},
    {"squared_hinge", loss_kind::squared_hinge},
    {"categorical_hinge", loss_kind::categorical_hinge},
    {"cosine_similarity", loss_kind::cosine_similarity},
    {"mse", loss_kind::mean_squared_error},
    {"MSE", loss_kind::mean_squared_error},
    {"mae", loss_kind::mean_absolute_error},
    {"MAE", loss_kind::mean_absolute_error},
    {"mape", loss_kind::mean_absolute_percentage_error},
    {"MAPE", loss_kind::mean_absolute_percentage_error},
    {"msle", loss_kind::mean_squared_logarithmic_error},
    {"MSLE", loss_kind::mean_squared_logarithmic_error},
    {"huber_loss", loss_kind::huber},
    {"logcosh", loss_kind::log_cosh},
    {"kld", loss_kind::kl_divergence},
    {"KLD", loss_kind::kl_divergence},
    {"kullback_leibler_divergence", loss_kind::kl_divergence},
};

// What each loss assumes of its targets, checked once over the whole data
// set so a mismatch is found before the first step, with a loss that fits.
void check_target_values(loss_kind kind, const tensor& targets)
{
    const float* t = targets.f32();
    const std::int64_t n = targets.size();
    const std::string name = loss_name(kind);
    auto refuse = [&](std::int64_t at, const std::string& expected, const std::string& instead) {
        throw data_error("loss " + name + " needs " + expected + ", found " + shortest_text(t[at]) + " at target #" +
                         std::to_string(at) + "; " + instead);
    };
    const std::string real_valued = "for real-valued targets use mean_squared_error";
    switch (kind) {
    case loss_kind::binary_crossentropy:
    case loss_kind::categorical_crossentropy:
    case loss_kind::kl_divergence:
    case loss_kind::categorical_hinge:
        for (std::int64_t i = 0; i < n; ++i) {
            if (!(t[i] >= 0.0f && t[i] <= 1.0f)) refuse(i, "targets in [0, 1]", real_valued);
        }
        return;
    case loss_kind::poisson:
    case loss_kind::mean_squared_logarithmic_error:
        for (std::int64_t i = 0; i < n; ++i) {
            if (!(t[i] >= 0.0f)) refuse(i, "targets >= 0", real_valued);
        }
        return;
    case loss_kind::mean_absolute_percentage_error:
        for (std::int64_t i = 0; i < n; ++i) {
            if (t[i] == 0.0f) refuse(i, "targets other than 0 (it divides by them)", "use mean_absolute_error");
        }
        return;
    case loss_kind::hinge:
    case loss_kind::squared_hinge: {
        // Keras turns 0/1 labels into -1/1; a mix of 0 and -1 would be read two ways.
        std::int64_t zero = -1, minus_one = -1;
        for (std::int64_t i = 0; i < n; ++i) {
            if (t[i] == 0.0f) {
                zero = i;
            } else if (t[i] == -1.0f) {
                minus_one = i;
            } else if (t[i] != 1.0f) {
                refuse(i, "labels -1 and 1 (or 0 and 1)",
                       t[i] >= 0.0f && t[i] <= 1.0f ? "for probabilities use binary_crossentropy" : real_valued);
            }
        }
        if (zero >= 0 && minus_one >= 0) {
            refuse(std::max(zero, minus_one), "labels -1 and 1, or 0 and 1, not both 0 and -1",
                   "use -1 and 1 throughout");
        }
        return;
    }
    default: return;
    }
}

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

bool takes_from_logits(loss_kind kind)
{
    return kind == loss_kind::sparse_categorical_crossentropy || kind == loss_kind::categorical_crossentropy ||
           kind == loss_kind::binary_crossentropy;
}

bool takes_label_smoothing(loss_kind kind)
{
    return kind == loss_kind::categorical_crossentropy || kind == loss_kind::binary_crossentropy;
}

bool takes_delta(loss_kind kind) { return kind == loss_kind::huber; }

bool takes_axis(loss_kind kind) { return kind == loss_kind::cosine_similarity; }

void check_loss_spec(const loss_spec& spec)
{
    const std::string name = "loss " + loss_name(spec.kind);
    if (spec.delta != 1.0f && !takes_delta(spec.kind)) throw config_error(name + " has no delta setting");
    if (!(spec.delta > 0.0f && std::isfinite(spec.delta))) {
        throw config_error(name + ": delta must be > 0, found " + std::to_string(spec.delta));
    }
    if (spec.axis != -1) {
        throw config_error(name + (takes_axis(spec.kind) ? ": axis must be -1 (the last axis), found "
                                                        : " has no axis setting; found axis ") +
                           std::to_string(spec.axis));
    }
    if (spec.from_logits && !takes_from_logits(spec.kind)) throw config_error(name + " has no from_logits setting");
    if (spec.label_smoothing != 0.0f && !takes_label_smoothing(spec.kind)) {
        throw config_error(name + " has no label_smoothing setting");
    }
    if (!(spec.label_smoothing >= 0.0f && spec.label_smoothing <= 1.0f)) {
        throw config_error(name + ": label_smoothing must be in [0, 1], found " + std::to_string(spec.label_smoothing));
    }
}

loss_function::loss_function(const loss_spec& spec) : spec_(spec) { check_loss_spec(spec_); }

void loss_function::attach(model& m)
{
    layer& out = m.output_layer();
    const loss_kind kind = spec_.kind;
    const bool categorical =
        kind == loss_kind::sparse_categorical_crossentropy || kind == loss_kind::categorical_crossentropy;
    // from_logits: the output is already the logits, so there is no layer activation to fuse with.
    // An activity regularizer on the output needs the gradient at the output itself.
    const bool fusable = !spec_.from_logits && out.preactivation() && !out.activity_regularizer();
    fused_softmax_ = categorical && out.output_activation() == activation_kind::softmax && fusable;
    fused_sigmoid_ =
        kind == loss_kind::binary_crossentropy && out.output_activation() == activation_kind::sigmoid && fusable;
    out.set_gradient_at_preactivation(fused_softmax_ || fused_sigmoid_);
}

void loss_function::check_targets_fit(const shape& output, const tensor& targets) const
{
    const std::int64_t width = output.element_count();
    const std::string name = loss_name(spec_.kind);
    if (targets.type() == dtype::int32) {
        if (spec_.kind == loss_kind::sparse_categorical_crossentropy) return;
        const std::string expected = spec_.kind == loss_kind::categorical_crossentropy
                                         ? "one-hot float targets of shape " + output.to_string()
                                         : "float targets shaped like the output " + output.to_string();
        throw data_error("loss " + name + " needs " + expected +
                         ", found integer class labels; for class labels use sparse_categorical_crossentropy");
    }
    if (spec_.kind == loss_kind::sparse_categorical_crossentropy) {
        throw data_error("loss sparse_categorical_crossentropy needs integer class labels, found float targets " +
                         targets.dims().without_batch().to_string() +
                         "; for one-hot or probability targets use categorical_crossentropy");
    }
    if (targets.dims().rank() == 0 || targets.size() != targets.dims()[0] * width) {
        throw data_error("loss " + name + ": targets of shape " + targets.dims().without_batch().to_string() +
                         " per sample do not match the model output " + output.to_string());
    }
    check_target_values(spec_.kind, targets);
}

void loss_function::check_targets(const tensor& prediction, const tensor& targets) const
{
    // The common case first, without building a message or a shape: each step calls this.
    const std::int64_t batch = prediction.dims()[0];
    const bool sparse = spec_.kind == loss_kind::sparse_categorical_crossentropy;
    if (targets.type() == dtype::int32 ? sparse && targets.size() == batch
                                       : !sparse && targets.dims().rank() > 0 && targets.dims()[0] == batch &&
                                             targets.size() == prediction.size()) {
        return;
    }
    check_targets_fit(prediction.dims().without_batch(), targets);
    throw data_error("loss " + loss_name(spec_.kind) + ": targets of shape " + targets.dims().to_string() +
                     " for predictions of shape " + prediction.dims().to_string());
}

const tensor& loss_function::smoothed(backend& be, const tensor& targets, std::int64_t cols)
{
    const float s = spec_.label_smoothing;
    if (s == 0.0f || targets.type() == dtype::int32) return targets;
    // Keras: categorical t (1 - s) + s / classes; binary t (1 - s) + s / 2.
    const float spread = spec_.kind == loss_kind::binary_crossentropy ? 0.5f : 1.0f / static_cast<float>(cols);
    smoothed_.reshape(targets.dims());
    be.fill(smoothed_.size(), s * spread, smoothed_.f32());
    be.axpby(smoothed_.size(), 1.0f - s, targets.f32(), 1.0f, smoothed_.f32());
    return smoothed_;
}

double loss_function::compute(backend& be, model& m, const tensor& prediction, const tensor& targets, bool gradient,
                              const float* sample_weights)
{
    check_targets(prediction, targets);
    const std::int64_t rows = prediction.dims()[0];
    const std::int64_t cols = prediction.size() / std::max<std::int64_t>(rows, 1);
    const float scale = 1.0f / static_cast<float>(rows);
    const std::int32_t* labels = targets.type() == dtype::int32 ? targets.data<std::int32_t>() : nullptr;
    const float* values = labels == nullptr ? smoothed(be, targets, cols).f32() : nullptr;
    losses_.reshape({rows});
    float* dout = nullptr;
    if (gradient) {
        tensor& grad = m.output_grad();
        grad.reshape(prediction.dims());
        dout = grad.f32();
    }
    const loss_kind kind = spec_.kind;
    const bool binary = kind == loss_kind::binary_crossentropy;
    if (fused_softmax_ || fused_sigmoid_ || spec_.from_logits) {
        const float* logits = spec_.from_logits ? prediction.f32() : m.output_layer().preactivation()->f32();
        scratch_.reshape(prediction.dims());
        if (binary) {
            be.sigmoid_cross_entropy(rows, cols, logits, values, scratch_.f32(), losses_.f32(), dout, scale);
        } else {
            be.softmax_cross_entropy(rows, cols, logits, labels, values, scratch_.f32(), losses_.f32(), dout, scale);
        }
    } else if (kind == loss_kind::mean_squared_error) {
        be.mean_squared_error(rows, cols, prediction.f32(), values, losses_.f32(), dout, scale);
    } else if (is_row_loss(kind)) {
        // The vectors are along the last axis; a sample of shape [T, F] has T of them.
        const shape& dims = prediction.dims();
        const std::int64_t width = dims.rank() > 1 ? dims[dims.rank() - 1] : 1;
        row_loss(spec_, rows, cols / std::max<std::int64_t>(width, 1), width, prediction.f32(), values,
                 losses_.f32(), dout, scale);
    } else {
        be.probability_cross_entropy(binary, rows, cols, prediction.f32(), labels, values, probability_epsilon,
                                     losses_.f32(), dout, scale);
    }
    if (sample_weights != nullptr) {
        // Every row's gradient depends on that row's loss only, so weighting a row scales both.
        for (std::int64_t r = 0; r < rows; ++r) {
            losses_.f32()[r] *= sample_weights[r];
            if (dout != nullptr) {
                for (std::int64_t c = 0; c < cols; ++c) dout[r * cols + c] *= sample_weights[r];
            }
        }
    }
    return be.sum(rows, losses_.f32());
}

}  // namespace mlrun
