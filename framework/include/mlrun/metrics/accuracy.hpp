// Which accuracy Keras's "accuracy" means for a loss: sparse categorical
// (argmax vs class index), categorical (argmax vs argmax of a one-hot
// target) or binary (prediction > 0.5 vs target > 0.5). The metric itself
// is mlrun::metric (metrics/metric.hpp).
#pragma once

#include "mlrun/losses/loss_spec.hpp"

#include <cstdint>

namespace mlrun {

enum class accuracy_kind { sparse_categorical, categorical, binary };

// The variant Keras's "accuracy" resolves to for this loss and output width.
accuracy_kind choose_accuracy(loss_kind loss, std::int64_t output_width);

}  // namespace mlrun
