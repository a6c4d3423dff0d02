// The losses without a backend kernel, on the host, as Keras 3 defines
// them (keras/src/losses/losses.py): each row of `width` values (the last
// axis of a sample) gives one loss; a sample's loss is the mean of its
// rows', as Keras's mean over the batch of the per-row losses.
#pragma once

#include "mlrun/losses/loss_spec.hpp"

#include <cstdint>

namespace mlrun {

// Whether `kind` is computed here (every loss but the crossentropies and
// mean_squared_error).
bool is_row_loss(loss_kind kind);

// Writes each sample's loss into losses[0, samples) and, with `dpred`,
// scale * d(sum of the samples' losses)/d(pred) into dpred. pred and
// targets hold samples * rows_per_sample * width values.
void row_loss(const loss_spec& spec, std::int64_t samples, std::int64_t rows_per_sample, std::int64_t width,
              const float* pred, const float* targets, float* losses, float* dpred, float scale);

}  // namespace mlrun
