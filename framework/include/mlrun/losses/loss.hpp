// Losses, reduced as Keras reduces them: the mean over the batch of each
// sample's loss.
//
// When the output layer ends in softmax (or sigmoid) and the loss is a
// cross-entropy, the loss is computed from the layer's logits and the
// gradient handed back is w.r.t. those logits: exact where log(softmax)
// would underflow, and cheaper.
#pragma once

#include "mlrun/core/tensor.hpp"

#include <string>
#include <vector>

namespace mlrun {

class backend;
class model;

enum class loss_kind { sparse_categorical_crossentropy, categorical_crossentropy, binary_crossentropy,
                       mean_squared_error };

// Accepts Keras's names and aliases ("mse"); throws config_error otherwise.
loss_kind parse_loss(const std::string& name);
std::string loss_name(loss_kind kind);
std::vector<std::string> loss_names();

class loss_function {
public:
    explicit loss_function(loss_kind kind) : kind_(kind) {}

    loss_kind kind() const { return kind_; }

    // Chooses the fused path when the model's output allows it and tells
    // the output layer where its gradient will start. Call once per model.
    void attach(model& m);

    // Sum over the batch of the per-sample losses of `prediction` (the
    // model's last output) against `targets`: int32 class indices [batch]
    // or float32 values shaped like the prediction. With `gradient`, writes
    // d(mean loss)/d(output) into m.output_grad(). Throws data_error when
    // the targets do not fit the prediction.
    double compute(backend& be, model& m, const tensor& prediction, const tensor& targets, bool gradient);

private:
    void check_targets(const tensor& prediction, const tensor& targets) const;

    loss_kind kind_;
    bool fused_softmax_ = false;
    bool fused_sigmoid_ = false;
    tensor losses_;   // per sample
    tensor scratch_;  // probabilities written by the fused kernels
};

}  // namespace mlrun
