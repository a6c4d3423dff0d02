// A compute backend as the framework sees it: a plugin's kernel table with
// the reference kernels filling every gap.
//
// Each call goes to the plugin's kernel when it has one; a missing entry, or
// one that answers UNIMPLEMENTED, runs the reference kernel instead. Any
// other failure throws plugin_error naming the backend, the kernel and the
// plugin's message.
#pragma once

#include "mlrun/abi/mlrun_backend.h"
#include "mlrun/backend/kernel_profile.hpp"
#include "mlrun/plugin/plugin_registry.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlrun {

class backend {
public:
    // Creates the plugin's backend with the given options ({"threads", "2"}).
    backend(const plugin_record& plugin, const std::vector<std::pair<std::string, std::string>>& options);
    // The reference backend, built in.
    backend();
    ~backend();
    backend(const backend&) = delete;
    backend& operator=(const backend&) = delete;

    const std::string& name() const { return name_; }
    // Names of the kernels the plugin provides itself (the rest fall back).
    std::vector<std::string> provided_kernels() const;
    static std::vector<std::string> kernel_names();

    // Times every kernel call from now on (a clock read before and after
    // each); profile() is null until then.
    void start_profiling() { profile_ = std::make_unique<kernel_profile>(); }
    const kernel_profile* profile() const { return profile_.get(); }

    void fill(std::int64_t n, float value, float* y);
    void axpby(std::int64_t n, float alpha, const float* x, float beta, float* y);
    void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
              std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc);
    void bias_add(std::int64_t rows, std::int64_t cols, const float* bias, float* y);
    void bias_grad(std::int64_t rows, std::int64_t cols, const float* dy, float* db);
    void activation_forward(mlrun_activation activation, std::int64_t n, const float* x, float* y);
    void activation_backward(mlrun_activation activation, std::int64_t n, const float* y, const float* dy,
                             float* dx);
    void softmax_forward(std::int64_t rows, std::int64_t cols, const float* x, float* y);
    void softmax_backward(std::int64_t rows, std::int64_t cols, const float* y, const float* dy, float* dx);
    void softmax_cross_entropy(std::int64_t rows, std::int64_t cols, const float* logits, const std::int32_t* labels,
                               const float* targets, float* probs, float* losses, float* dlogits, float scale);
    void sigmoid_cross_entropy(std::int64_t rows, std::int64_t cols, const float* logits, const float* targets,
                               float* probs, float* losses, float* dlogits, float scale);
    void probability_cross_entropy(bool binary, std::int64_t rows, std::int64_t cols, const float* pred,
                                   const std::int32_t* labels, const float* targets, float epsilon, float* losses,
                                   float* dpred, float scale);
    void mean_squared_error(std::int64_t rows, std::int64_t cols, const float* pred, const float* targets,
                            float* losses, float* dpred, float scale);
    double sum(std::int64_t n, const float* x);
    void argmax_rows(std::int64_t rows, std::int64_t cols, const float* x, std::int32_t* out);
    void dropout_forward(std::int64_t n, float rate, std::uint64_t seed, const float* x, float* mask, float* y);
    void multiply(std::int64_t n, const float* a, const float* b, float* y);
    void sgd_update(std::int64_t n, float lr, float momentum, bool nesterov, float* w, const float* g,
                    float* velocity);
    void adam_update(std::int64_t n, float lr, float beta_1, float beta_2, float epsilon, std::int64_t t, float* w,
                     const float* g, float* m, float* v, float* vhat);
    void rmsprop_update(std::int64_t n, float lr, float rho, float momentum, float epsilon, float* w,
                        const float* g, float* ms, float* mom, float* mg);

    // ABI 1.2: convolution, pooling and normalization (mlrun_backend.h
    // defines each; window_geometry.hpp computes shapes).
    void conv2d_forward(const mlrun_conv2d_shape& shape, const float* x, const float* w, float* y);
    void conv2d_backward_data(const mlrun_conv2d_shape& shape, const float* w, const float* dy, float* dx);
    void conv2d_backward_weights(const mlrun_conv2d_shape& shape, const float* x, const float* dy, float* dw);
    void pool2d_forward(mlrun_pooling pooling, const mlrun_pool2d_shape& shape, const float* x, float* y,
                        std::int32_t* argmax);
    void pool2d_backward(mlrun_pooling pooling, const mlrun_pool2d_shape& shape, const float* x,
                         const std::int32_t* argmax, const float* dy, float* dx);
    void batch_norm_forward_training(std::int64_t rows, std::int64_t channels, const float* x, const float* gamma,
                                     const float* beta, float epsilon, float* y, float* mean, float* variance);
    void batch_norm_forward_inference(std::int64_t rows, std::int64_t channels, const float* x, const float* gamma,
                                      const float* beta, const float* mean, const float* variance, float epsilon,
                                      float* y);
    void batch_norm_backward(bool batch_statistics, std::int64_t rows, std::int64_t channels, const float* x,
                             const float* dy, const float* gamma, const float* mean, const float* variance,
                             float epsilon, float* dx, float* dgamma, float* dbeta);
    void layer_norm_forward(std::int64_t rows, std::int64_t cols, const float* x, const float* gamma,
                            const float* beta, float epsilon, float* y, float* mean, float* variance);
    void layer_norm_backward(std::int64_t rows, std::int64_t cols, const float* x, const float* dy,
                             const float* gamma, const float* mean, const float* variance, float epsilon, float* dx,
                             float* dgamma, float* dbeta);

    // ABI 1.3: the products of Keras's mixed_bfloat16 policy, with the
    // float32 kernels' parameters: inputs rounded to bf16, sums in float32
    // (mlrun_backend.h). A plugin without them, or answering UNIMPLEMENTED,
    // gets them emulated here: the inputs rounded into scratch buffers kept
    // between calls, then its own float32 kernel.
    void gemm_bf16(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                   const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
                   std::int64_t ldc);
    void conv2d_forward_bf16(const mlrun_conv2d_shape& shape, const float* x, const float* w, float* y);
    void conv2d_backward_data_bf16(const mlrun_conv2d_shape& shape, const float* w, const float* dy, float* dx);
    void conv2d_backward_weights_bf16(const mlrun_conv2d_shape& shape, const float* x, const float* dy, float* dw);
    // Whether the plugin's bf16 kernels run on the CPU's bf16 instructions
    // (its bf16_native entry); false for the reference and for plugins
    // without the entry, whose bf16 products are emulated.
    bool bf16_native() const;
    // How many threads the plugin runs its kernels on, where it says (its
    // ABI 1.4 threads entry).
    std::optional<int> threads() const;
    static std::vector<std::string> bf16_kernel_names();

private:
    // `kernel` is a member of mlrun_backend_table; its name comes from the ABI's kernel list.
    template <auto kernel, class... Args> void call(Args... args);
    // Runs the plugin's kernel, or the reference one; true when the reference ran.
    template <auto kernel, class... Args> bool dispatch(Args... args);
    // Runs the plugin's kernel when it has one that does not answer
    // UNIMPLEMENTED (timed when profiling); false when it did not run.
    template <auto kernel, class... Args> bool run_plugin(Args... args);
    // `values` rounded to bf16 in `scratch` (resized once, then reused).
    static const float* bf16_copy(const float* values, std::int64_t count, std::vector<float>& scratch);

    std::string name_;
    const mlrun_backend_table* table_;
    mlrun_backend* handle_ = nullptr;
    const mlrun_backend_table* reference_;
    mlrun_backend* reference_handle_ = nullptr;
    std::unique_ptr<kernel_profile> profile_;
    std::string profile_label_;  // gemm's or a convolution's shape for the next profiled call
    std::vector<float> bf16_first_, bf16_second_;  // the emulated bf16 products' rounded inputs
};

}  // namespace mlrun
