// Loss kernels: per-row losses and their gradients.
#include "reference_internal.hpp"

#include <algorithm>
#include <cmath>

namespace mlrun::reference {
namespace {

// The target probability of class c in row r, from labels or targets.
float target_at(const int32_t* labels, const float* targets, int64_t r, int64_t cols, int64_t c)
{
    if (labels != nullptr) return labels[r] == c ? 1.0f : 0.0f;
    return targets[r * cols + c];
}

bool labels_in_range(const int32_t* labels, int64_t rows, int64_t cols)
{
    if (labels == nullptr) return true;
    for (int64_t r = 0; r < rows; ++r) {
        if (labels[r] < 0 || labels[r] >= cols) return false;
    }
    return true;
}

}  // namespace

mlrun_status softmax_cross_entropy(mlrun_backend*, int64_t rows, int64_t cols, const float* logits,
                                   const int32_t* labels, const float* targets, float* probs, float* losses,
                                   float* dlogits, float scale)
{
    if ((labels == nullptr) == (targets == nullptr)) {
        return fail(MLRUN_STATUS_INVALID_ARGUMENT, "softmax_cross_entropy: give exactly one of labels, targets");
    }
    if (!labels_in_range(labels, rows, cols)) {
        return fail(MLRUN_STATUS_INVALID_ARGUMENT, "softmax_cross_entropy: a label is outside [0, classes)");
    }
    for (int64_t r = 0; r < rows; ++r) {
        const float* z = logits + r * cols;
        float* p = probs + r * cols;
        const float log_sum_exp = softmax_row(z, p, cols);
        float loss = 0.0f;
        for (int64_t c = 0; c < cols; ++c) {
            const float t = target_at(labels, targets, r, cols, c);
            // -log softmax(z)_c from the logits, never from a rounded probability.
            if (t != 0.0f) loss += t * (log_sum_exp - z[c]);
        }
        losses[r] = loss;
        if (dlogits != nullptr) {
            float* d = dlogits + r * cols;
            for (int64_t c = 0; c < cols; ++c) d[c] = (p[c] - target_at(labels, targets, r, cols, c)) * scale;
        }
    }
    return MLRUN_STATUS_OK;
}

mlrun_status sigmoid_cross_entropy(mlrun_backend*, int64_t rows, int64_t cols, const float* logits,
                                   const float* targets, float* probs, float* losses, float* dlogits, float scale)
{
    for (int64_t r = 0; r < rows; ++r) {
        float loss = 0.0f;
        for (int64_t c = 0; c < cols; ++c) {
            const int64_t i = r * cols + c;
            const float x = logits[i];
            const float t = targets[i];
            probs[i] = 1.0f / (1.0f + std::exp(-x));
            // max(x, 0) - x t + log(1 + exp(-|x|)): no overflow for any x.
            loss += std::max(x, 0.0f) - x * t + std::log1p(std::exp(-std::fabs(x)));
            if (dlogits != nullptr) dlogits[i] = (probs[i] - t) * scale / static_cast<float>(cols);
        }
        losses[r] = loss / static_cast<float>(cols);
    }
    return MLRUN_STATUS_OK;
}

mlrun_status probability_cross_entropy(mlrun_backend*, int32_t binary, int64_t rows, int64_t cols,
                                       const float* pred, const int32_t* labels, const float* targets,
                                       float epsilon, float* losses, float* dpred, float scale)
{
    if ((labels == nullptr) == (targets == nullptr)) {
        return fail(MLRUN_STATUS_INVALID_ARGUMENT, "probability_cross_entropy: give exactly one of labels, targets");
    }
    if (!labels_in_range(labels, rows, cols)) {
        return fail(MLRUN_STATUS_INVALID_ARGUMENT, "probability_cross_entropy: a label is outside [0, classes)");
    }
    const float low = epsilon;
    const float high = 1.0f - epsilon;
    for (int64_t r = 0; r < rows; ++r) {
        const float* p = pred + r * cols;
        float* d = dpred != nullptr ? dpred + r * cols : nullptr;
        if (binary) {
            float loss = 0.0f;
            for (int64_t c = 0; c < cols; ++c) {
                const float t = target_at(labels, targets, r, cols, c);
                const float q = std::clamp(p[c], low, high);
                loss -= t * std::log(q) + (1.0f - t) * std::log(1.0f - q);
                // The clip has zero gradient outside its range.
                const bool clipped = p[c] < low || p[c] > high;
                if (d != nullptr) {
                    d[c] = clipped ? 0.0f : -(t / q - (1.0f - t) / (1.0f - q)) * scale / static_cast<float>(cols);
                }
            }
            losses[r] = loss / static_cast<float>(cols);
            continue;
        }
        // Categorical: normalise the row, clip, then -sum t log q.
        float total = 0.0f;
        for (int64_t c = 0; c < cols; ++c) total += p[c];
        float loss = 0.0f;
        float weighted = 0.0f;  // sum over c of dL/dq_c * q_c, for the normalisation's gradient
        for (int64_t c = 0; c < cols; ++c) {
            const float q = p[c] / total;
            const float qc = std::clamp(q, low, high);
            const float t = target_at(labels, targets, r, cols, c);
            loss -= t * std::log(qc);
            const float g = (q < low || q > high) ? 0.0f : -t / qc;
            weighted += g * q;
            if (d != nullptr) d[c] = g;
        }
        losses[r] = loss;
        if (d != nullptr) {
            for (int64_t c = 0; c < cols; ++c) d[c] = (d[c] - weighted) / total * scale;
        }
    }
    return MLRUN_STATUS_OK;
}

mlrun_status mean_squared_error(mlrun_backend*, int64_t rows, int64_t cols, const float* pred,
                                const float* targets, float* losses, float* dpred, float scale)
{
    for (int64_t r = 0; r < rows; ++r) {
        float loss = 0.0f;
        for (int64_t c = 0; c < cols; ++c) {
            const int64_t i = r * cols + c;
            const float diff = pred[i] - targets[i];
            loss += diff * diff;
            if (dpred != nullptr) dpred[i] = 2.0f * diff / static_cast<float>(cols) * scale;
        }
        losses[r] = loss / static_cast<float>(cols);
    }
    return MLRUN_STATUS_OK;
}

}  // namespace mlrun::reference
