// Convolution, pooling and normalization on oneDNN primitives, prepared
// once per shape (onednn_prepared.hpp). Activations stay NHWC and filters
// HWIO as the caller holds them: the primitives read and write them in
// place, and only the filter (small) is reordered into the layout oneDNN's
// convolution prefers, on each call, because the weights change every
// step. Each kernel answers UNIMPLEMENTED, having written nothing, where
// oneDNN has no primitive for a case (or the shape is invalid: the
// reference then reports it), and INTERNAL when one fails to run.
#pragma once

#include "mlrun/abi/mlrun_backend.h"
#include "onednn_prepared.hpp"

#include <string>
#include <vector>

namespace mlrun::onednn {

class layer_primitives {
public:
    explicit layer_primitives(const engine& e) : engine_(e) {}

    // The convolutions read their two inputs in `inputs` (float32, or bf16
    // converted inside the call) and write float32.
    mlrun_status conv2d_forward(int threads, precision inputs, const mlrun_conv2d_shape& s, const float* x,
                                const float* w, float* y);
    mlrun_status conv2d_backward_data(int threads, precision inputs, const mlrun_conv2d_shape& s, const float* w,
                                      const float* dy, float* dx);
    mlrun_status conv2d_backward_weights(int threads, precision inputs, const mlrun_conv2d_shape& s, const float* x,
                                         const float* dy, float* dw);
    mlrun_status pool2d_forward(int threads, std::int32_t pooling, const mlrun_pool2d_shape& s, const float* x,
                                float* y, std::int32_t* argmax);
    mlrun_status pool2d_backward(int threads, std::int32_t pooling, const mlrun_pool2d_shape& s,
                                 const std::int32_t* argmax, const float* dy, float* dx);
    mlrun_status batch_norm_forward(int threads, bool training, std::int64_t rows, std::int64_t channels,
                                    const float* x, const float* gamma, const float* beta, float epsilon, float* y,
                                    const float* mean_in, const float* variance_in, float* mean_out,
                                    float* variance_out);
    mlrun_status batch_norm_backward(int threads, bool batch_statistics, std::int64_t rows, std::int64_t channels,
                                     const float* x, const float* dy, const float* gamma, const float* mean,
                                     const float* variance, float epsilon, float* dx, float* dgamma, float* dbeta);
    mlrun_status layer_norm_forward(int threads, std::int64_t rows, std::int64_t cols, const float* x,
                                    const float* gamma, const float* beta, float epsilon, float* y, float* mean,
                                    float* variance);
    mlrun_status layer_norm_backward(int threads, std::int64_t rows, std::int64_t cols, const float* x,
                                     const float* dy, const float* gamma, const float* mean, const float* variance,
                                     float epsilon, float* dx, float* dgamma, float* dbeta);

    // The message of the last INTERNAL answer.
    const std::string& error() const { return error_; }

private:
    mlrun_status ran(bool ok, const char* kernel);
    float* unwanted(float* wanted, std::int64_t size);

    const engine& engine_;
    std::string error_;
    std::vector<float> unwanted_;  // gradients oneDNN computes that the caller did not ask for
    // Keys: the kernel's sizes and options, the thread count last.
    prepared_cache<20> conv_forward_, conv_data_, conv_weights_;
    prepared_cache<16> pool_forward_, pool_backward_;
    prepared_cache<6> batch_norm_forward_, batch_norm_backward_, layer_norm_forward_, layer_norm_backward_;
};

}  // namespace mlrun::onednn
