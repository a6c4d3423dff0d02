// Losses, reduced as Keras reduces them: the mean over the batch of each
// sample's loss.
//
// When the output layer ends in softmax (or sigmoid) and the loss is a
// cross-entropy, the loss is computed from the layer's logits and the
// gradient handed back is w.r.t. those logits: exact where log(softmax)
// would underflow, and cheaper. With from_logits the model's output is
// those logits and the same kernels run on it.
#pragma once

#include "mlrun/core/tensor.hpp"
#include "mlrun/losses/loss_spec.hpp"

#include <string>
#include <vector>

namespace mlrun {

class backend;
class model;

class loss_function {
public:
    // Checks the settings (check_loss_spec).
    explicit loss_function(const loss_spec& spec);

    loss_kind kind() const { return spec_.kind; }
    const loss_spec& spec() const { return spec_; }

    // Throws data_error when targets of this type and shape cannot be
    // scored against an output of per-sample shape `output`, naming the
    // loss that would fit (integer class labels: sparse_categorical_crossentropy).
    void check_targets_fit(const shape& output, const tensor& targets) const;

    // Chooses the fused path when the model's output allows it and tells
    // the output layer where its gradient will start. Call once per model.
    void attach(model& m);

    // Sum over the batch of the per-sample losses of `prediction` (the
    // model's last output) against `targets`: int32 class indices [batch]
    // or float32 values shaped like the prediction. With `gradient`, writes
    // d(mean loss)/d(output) into m.output_grad(). Throws data_error when
    // the targets do not fit the prediction. `sample_weights` (one per row,
    // or null) scale each sample's loss and its gradient; the sum is still
    // divided by the batch size for the gradient, as Keras's
    // sum_over_batch_size reduction does.
    double compute(backend& be, model& m, const tensor& prediction, const tensor& targets, bool gradient,
                   const float* sample_weights = nullptr);

private:
    void check_targets(const tensor& prediction, const tensor& targets) const;
    // The targets with label smoothing applied, or `targets` itself.
    const tensor& smoothed(backend& be, const tensor& targets, std::int64_t cols);

    loss_spec spec_;
    bool fused_softmax_ = false;
    bool fused_sigmoid_ = false;
    tensor losses_;   // per sample
    tensor scratch_;  // probabilities written by the fused kernels
    tensor smoothed_;  // label-smoothed targets
};

}  // namespace mlrun
