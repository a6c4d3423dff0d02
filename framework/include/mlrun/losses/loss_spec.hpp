// A loss as a value: its Keras class and the settings Keras gives it, with
// Keras's names and defaults. A loss_function is made from one
// (losses/loss.hpp); experiment files write it as a name or a mapping of a
// name to its settings (compile.loss: {categorical_crossentropy:
// {label_smoothing: 0.1}}).
//
//     loss_spec loss = loss_kind::categorical_crossentropy;
//     loss.label_smoothing = 0.1f;
#pragma once

#include <string>
#include <vector>

namespace mlrun {

enum class loss_kind {
    sparse_categorical_crossentropy,
    categorical_crossentropy,
    binary_crossentropy,
    mean_squared_error,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_logarithmic_error,
    huber,
    log_cosh,
    kl_divergence,
    poisson,
    hinge,
    squared_hinge,
    categorical_hinge,
    cosine_similarity,
};

struct loss_spec {
    // Implicit: a kind alone is the loss with Keras's defaults.
    loss_spec(loss_kind k = loss_kind::sparse_categorical_crossentropy) : kind(k) {}

    loss_kind kind;
    // The crossentropies: the prediction is logits, not probabilities.
    bool from_logits = false;
    // categorical_crossentropy and binary_crossentropy: targets t become
    // t (1 - s) + s / classes (binary: + s / 2), in [0, 1].
    float label_smoothing = 0.0f;
    // huber: where the loss turns from quadratic to linear in the error.
    float delta = 1.0f;
    // cosine_similarity: the axis of the vectors compared (Keras's -1, the last).
    int axis = -1;
};

// Keras's names and aliases ("mse"); throws config_error listing the known ones.
loss_kind parse_loss(const std::string& name);
std::string loss_name(loss_kind kind);
std::vector<std::string> loss_names();

// Whether the loss takes from_logits / label_smoothing (as Keras's class does).
bool takes_from_logits(loss_kind kind);
bool takes_label_smoothing(loss_kind kind);
bool takes_delta(loss_kind kind);
bool takes_axis(loss_kind kind);

// Throws config_error naming the loss for a setting it does not take or a
// value out of range (label_smoothing in [0, 1], delta > 0, axis -1).
void check_loss_spec(const loss_spec& spec);

// The loss as checkpoint metadata keeps it: its Keras name, or with
// settings other than the defaults that name's YAML mapping in flow style.
std::string loss_text(const loss_spec& spec);
// Reads loss_text back; `where` names the source in errors (config_error).
loss_spec parse_loss_text(const std::string& text, const std::string& where);

}  // namespace mlrun
