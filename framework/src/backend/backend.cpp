#include "mlrun/backend/backend.hpp"

#include "mlrun/abi/mlrun_bf16.h"
#include "mlrun/core/error.hpp"
#include "mlrun/plugin/table_fields.hpp"
#include "reference_kernels.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstring>

namespace mlrun {
namespace {

struct kernel_entry {
    const char* name;
    std::size_t offset;
};

// Every kernel, from the ABI's list, for listings and the fallback check.
const kernel_entry all_kernels[] = {
#define MLRUN_KERNEL_ENTRY(name, parameters) {#name, offsetof(mlrun_backend_table, name)},
    MLRUN_BACKEND_KERNELS(MLRUN_KERNEL_ENTRY)
#undef MLRUN_KERNEL_ENTRY
};

// The name of the kernel at table member `kernel`, for messages and profiles.
template <auto kernel> struct kernel_name;
#define MLRUN_KERNEL_NAME(name, parameters)                      \
    template <> struct kernel_name<&mlrun_backend_table::name> { \
        static constexpr const char* value = #name;              \
    };
MLRUN_BACKEND_KERNELS(MLRUN_KERNEL_NAME)
#undef MLRUN_KERNEL_NAME

// Runs the plugin's own `kernel`: false where it has none (a plugin of an
// older ABI, a null entry) or answers UNIMPLEMENTED; any other failure throws.
template <auto kernel, class... Args>
bool run_in_plugin(const mlrun_backend_table& table, mlrun_backend* handle, const std::string& backend_name,
                   Args... args)
{
    if (!has_field(table, kernel)) return false;
    const auto fn = table.*kernel;
    if (fn == nullptr) return false;
    const mlrun_status status = fn(handle, args...);
    if (status == MLRUN_STATUS_UNIMPLEMENTED) return false;
    if (status != MLRUN_STATUS_OK) {
        throw plugin_error("backend '" + backend_name + "', kernel " + kernel_name<kernel>::value + ": " +
                           table.last_error(handle));
    }
    return true;
}

// The backend's table, its library loaded only once it is known to be a backend.
const mlrun_backend_table* backend_table(const plugin_record& plugin)
{
    if (plugin.kind != MLRUN_PLUGIN_BACKEND) throw plugin_error("plugin '" + plugin.name + "' is not a backend");
    return static_cast<const mlrun_backend_table*>(plugin.descriptor().table);
}

}  // namespace

backend::backend(const plugin_record& plugin, const std::vector<std::pair<std::string, std::string>>& options)
    : name_(plugin.name), table_(backend_table(plugin)), reference_(&reference::kernel_table())
{
    if (!has_field(*table_, &mlrun_backend_table::last_error) || table_->create == nullptr ||
        table_->destroy == nullptr || table_->last_error == nullptr) {
        throw plugin_error(plugin.path + ": backend '" + plugin.name +
                           "' lacks create, destroy or last_error in its table");
    }
    std::vector<mlrun_option> c_options;
    for (const auto& [key, value] : options) c_options.push_back({key.c_str(), value.c_str()});
    const std::string failed = plugin.path + ": backend '" + plugin.name + "' could not be created";
    if (const auto create = field_or(*table_, &mlrun_backend_table::create_reporting, nullptr)) {
        std::array<char, 1024> error{};
        if (create(c_options.data(), c_options.size(), &handle_, error.data(), error.size()) != MLRUN_STATUS_OK ||
            handle_ == nullptr) {
            handle_ = nullptr;  // the convention: a failed create hands out nothing
            throw plugin_error(failed + (error[0] != '\0' ? std::string(": ") + error.data() : std::string()));
        }
    } else if (table_->create(c_options.data(), c_options.size(), &handle_) != MLRUN_STATUS_OK || handle_ == nullptr) {
        // ABI 1.0: the message is last_error's, of the handle a failed create may still hand out, or of NULL.
        const char* message = table_->last_error(handle_);
        const std::string reason = message != nullptr && *message ? std::string(": ") + message : std::string();
        if (handle_ != nullptr) table_->destroy(handle_);
        handle_ = nullptr;
        throw plugin_error(failed + reason);
    }
    reference_->create(nullptr, 0, &reference_handle_);
}

backend::backend()
    : name_("reference"), table_(&reference::kernel_table()), reference_(&reference::kernel_table())
{
    table_->create(nullptr, 0, &handle_);
    reference_handle_ = handle_;
}

backend::~backend()
{
    if (handle_ != nullptr) table_->destroy(handle_);
    if (reference_handle_ != nullptr && reference_handle_ != handle_) reference_->destroy(reference_handle_);
}

std::vector<std::string> backend::kernel_names()
{
    std::vector<std::string> names;
    for (const kernel_entry& k : all_kernels) names.emplace_back(k.name);
    return names;
}

std::vector<std::string> backend::provided_kernels() const
{
    std::vector<std::string> names;
    for (const kernel_entry& k : all_kernels) {
        if (k.offset + sizeof(void (*)()) > table_->struct_size) continue;
        void (*entry)() = nullptr;
        std::memcpy(&entry, reinterpret_cast<const char*>(table_) + k.offset, sizeof(entry));
        if (entry != nullptr) names.emplace_back(k.name);
    }
    return names;
}

template <auto kernel, class... Args> void backend::call(Args... args)
{
    if (!profile_) {
        dispatch<kernel>(args...);
        return;
    }
    const auto start = std::chrono::steady_clock::now();
    const bool fell_back = dispatch<kernel>(args...);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    profile_->add(profile_label_.empty() ? std::string(kernel_name<kernel>::value) : profile_label_, fell_back ? "reference" : name_,
                  seconds);
    profile_label_.clear();
}

template <auto kernel, class... Args> bool backend::run_plugin(Args... args)
{
    const auto start = std::chrono::steady_clock::now();
    if (!run_in_plugin<kernel>(*table_, handle_, name_, args...)) return false;
    if (profile_) {
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        profile_->add(profile_label_.empty() ? std::string(kernel_name<kernel>::value) : profile_label_, name_,
                      seconds);
        profile_label_.clear();
    }
    return true;
}

template <auto kernel, class... Args> bool backend::dispatch(Args... args)
{
    if (run_in_plugin<kernel>(*table_, handle_, name_, args...)) return false;
    const mlrun_status status = (reference_->*kernel)(reference_handle_, args...);
    if (status != MLRUN_STATUS_OK) {
        throw plugin_error(std::string("reference kernel ") + kernel_name<kernel>::value + ": " +
                           reference_->last_error(reference_handle_));
    }
    return true;
}

void backend::fill(std::int64_t n, float value, float* y) { call<&mlrun_backend_table::fill>(n, value, y); }

void backend::axpby(std::int64_t n, float alpha, const float* x, float beta, float* y)
{
    call<&mlrun_backend_table::axpby>(n, alpha, x, beta, y);
}

void backend::gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                   const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
                   std::int64_t ldc)
{
    if (profile_) {  // products of different shapes are different work
        profile_label_ = std::string("gemm ") + (trans_a ? 'T' : 'N') + (trans_b ? 'T' : 'N') + " " + std::to_string(m) +
                         "x" + std::to_string(n) + "x" + std::to_string(k);
    }
    call<&mlrun_backend_table::gemm>(int{trans_a}, int{trans_b}, m, n, k, alpha, a, lda, b, ldb, beta, c,
                                     ldc);
}

void backend::bias_add(std::int64_t rows, std::int64_t cols, const float* bias, float* y)
{
    call<&mlrun_backend_table::bias_add>(rows, cols, bias, y);
}

void backend::bias_grad(std::int64_t rows, std::int64_t cols, const float* dy, float* db)
{
    call<&mlrun_backend_table::bias_grad>(rows, cols, dy, db);
}

void backend::activation_forward(mlrun_activation activation, std::int64_t n, const float* x, float* y)
{
    call<&mlrun_backend_table::activation_forward>(std::int32_t{activation}, n, x, y);
}

void backend::activation_backward(mlrun_activation activation, std::int64_t n, const float* y, const float* dy,
                                  float* dx)
{
    call<&mlrun_backend_table::activation_backward>(std::int32_t{activation}, n, y, dy, dx);
}

void backend::softmax_forward(std::int64_t rows, std::int64_t cols, const float* x, float* y)
{
    call<&mlrun_backend_table::softmax_forward>(rows, cols, x, y);
}

void backend::softmax_backward(std::int64_t rows, std::int64_t cols, const float* y, const float* dy, float* dx)
{
    call<&mlrun_backend_table::softmax_backward>(rows, cols, y, dy, dx);
}

void backend::softmax_cross_entropy(std::int64_t rows, std::int64_t cols, const float* logits,
                                    const std::int32_t* labels, const float* targets, float* probs, float* losses,
                                    float* dlogits, float scale)
{
    call<&mlrun_backend_table::softmax_cross_entropy>(rows, cols, logits, labels, targets,
                                                      probs, losses, dlogits, scale);
}

void backend::sigmoid_cross_entropy(std::int64_t rows, std::int64_t cols, const float* logits, const float* targets,
                                    float* probs, float* losses, float* dlogits, float scale)
{
    call<&mlrun_backend_table::sigmoid_cross_entropy>(rows, cols, logits, targets, probs,
                                                      losses, dlogits, scale);
}

void backend::probability_cross_entropy(bool binary, std::int64_t rows, std::int64_t cols, const float* pred,
                                        const std::int32_t* labels, const float* targets, float epsilon,
                                        float* losses, float* dpred, float scale)
{
    call<&mlrun_backend_table::probability_cross_entropy>(std::int32_t{binary}, rows,
                                                          cols, pred, labels, targets, epsilon, losses, dpred,
                                                          scale);
}

void backend::mean_squared_error(std::int64_t rows, std::int64_t cols, const float* pred, const float* targets,
                                 float* losses, float* dpred, float scale)
{
    call<&mlrun_backend_table::mean_squared_error>(rows, cols, pred, targets, losses, dpred,
                                                   scale);
}

double backend::sum(std::int64_t n, const float* x)
{
    double total = 0.0;
    call<&mlrun_backend_table::sum>(n, x, &total);
    return total;
}

void backend::argmax_rows(std::int64_t rows, std::int64_t cols, const float* x, std::int32_t* out)
{
    call<&mlrun_backend_table::argmax_rows>(rows, cols, x, out);
}

void backend::dropout_forward(std::int64_t n, float rate, std::uint64_t seed, const float* x, float* mask, float* y)
{
    call<&mlrun_backend_table::dropout_forward>(n, rate, seed, x, mask, y);
}

void backend::multiply(std::int64_t n, const float* a, const float* b, float* y)
{
    call<&mlrun_backend_table::multiply>(n, a, b, y);
}

void backend::sgd_update(std::int64_t n, float lr, float momentum, bool nesterov, float* w, const float* g,
                         float* velocity)
{
    call<&mlrun_backend_table::sgd_update>(n, lr, momentum, std::int32_t{nesterov}, w, g, velocity);
}

void backend::adam_update(std::int64_t n, float lr, float beta_1, float beta_2, float epsilon, std::int64_t t,
                          float* w, const float* g, float* m, float* v, float* vhat)
{
    call<&mlrun_backend_table::adam_update>(n, lr, beta_1, beta_2, epsilon, t, w, g, m, v, vhat);
}

void backend::rmsprop_update(std::int64_t n, float lr, float rho, float momentum, float epsilon, float* w,
                             const float* g, float* ms, float* mom, float* mg)
{
    call<&mlrun_backend_table::rmsprop_update>(n, lr, rho, momentum, epsilon, w, g, ms, mom, mg);
}

namespace {

// "32x28x28x1 -> 32 3x3 s1 d1 g1": a convolution's shape for the profile.
std::string conv_label(const char* kernel, const mlrun_conv2d_shape& s)
{
    auto x = [](std::int64_t a, std::int64_t b) { return std::to_string(a) + "x" + std::to_string(b); };
    return std::string(kernel) + " " + std::to_string(s.batch) + "x" + x(s.in_height, s.in_width) + "x" +
           std::to_string(s.in_channels) + "->" + std::to_string(s.out_channels) + " " +
           x(s.kernel_height, s.kernel_width) + " s" + std::to_string(s.stride_height) +
           (s.groups > 1 ? " g" + std::to_string(s.groups) : std::string());
}

}  // namespace

void backend::conv2d_forward(const mlrun_conv2d_shape& shape, const float* x, const float* w, float* y)
{
    if (profile_) profile_label_ = conv_label("conv2d_forward", shape);
    call<&mlrun_backend_table::conv2d_forward>(&shape, x, w, y);
}

void backend::conv2d_backward_data(const mlrun_conv2d_shape& shape, const float* w, const float* dy, float* dx)
{
    if (profile_) profile_label_ = conv_label("conv2d_backward_data", shape);
    call<&mlrun_backend_table::conv2d_backward_data>(&shape, w, dy, dx);
}

void backend::conv2d_backward_weights(const mlrun_conv2d_shape& shape, const float* x, const float* dy, float* dw)
{
    if (profile_) profile_label_ = conv_label("conv2d_backward_weights", shape);
    call<&mlrun_backend_table::conv2d_backward_weights>(&shape, x, dy, dw);
}

void backend::pool2d_forward(mlrun_pooling pooling, const mlrun_pool2d_shape& shape, const float* x, float* y,
                             std::int32_t* argmax)
{
    call<&mlrun_backend_table::pool2d_forward>(std::int32_t{pooling}, &shape, x, y, argmax);
}

void backend::pool2d_backward(mlrun_pooling pooling, const mlrun_pool2d_shape& shape, const float* x,
                              const std::int32_t* argmax, const float* dy, float* dx)
{
    call<&mlrun_backend_table::pool2d_backward>(std::int32_t{pooling}, &shape, x, argmax, dy, dx);
}

void backend::batch_norm_forward_training(std::int64_t rows, std::int64_t channels, const float* x,
                                          const float* gamma, const float* beta, float epsilon, float* y,
                                          float* mean, float* variance)
{
    call<&mlrun_backend_table::batch_norm_forward_training>(rows, channels, x, gamma, beta, epsilon, y, mean,
                                                            variance);
}

void backend::batch_norm_forward_inference(std::int64_t rows, std::int64_t channels, const float* x,
                                           const float* gamma, const float* beta, const float* mean,
                                           const float* variance, float epsilon, float* y)
{
    call<&mlrun_backend_table::batch_norm_forward_inference>(rows, channels, x, gamma, beta, mean, variance, epsilon,
                                                             y);
}

void backend::batch_norm_backward(bool batch_statistics, std::int64_t rows, std::int64_t channels, const float* x,
                                  const float* dy, const float* gamma, const float* mean, const float* variance,
                                  float epsilon, float* dx, float* dgamma, float* dbeta)
{
    call<&mlrun_backend_table::batch_norm_backward>(std::int32_t{batch_statistics}, rows, channels, x, dy, gamma,
                                                    mean, variance, epsilon, dx, dgamma, dbeta);
}

void backend::layer_norm_forward(std::int64_t rows, std::int64_t cols, const float* x, const float* gamma,
                                 const float* beta, float epsilon, float* y, float* mean, float* variance)
{
    call<&mlrun_backend_table::layer_norm_forward>(rows, cols, x, gamma, beta, epsilon, y, mean, variance);
}

void backend::layer_norm_backward(std::int64_t rows, std::int64_t cols, const float* x, const float* dy,
                                  const float* gamma, const float* mean, const float* variance, float epsilon,
                                  float* dx, float* dgamma, float* dbeta)
{
    call<&mlrun_backend_table::layer_norm_backward>(rows, cols, x, dy, gamma, mean, variance, epsilon, dx, dgamma,
                                                    dbeta);
}

// ---- bf16 products (ABI 1.3)

namespace {

// Elements a rows x cols matrix with row stride `ld` spans in memory.
std::int64_t matrix_span(std::int64_t rows, std::int64_t cols, std::int64_t ld)
{
    return rows <= 0 || cols <= 0 ? 0 : (rows - 1) * ld + cols;
}

std::int64_t input_size(const mlrun_conv2d_shape& s) { return s.batch * s.in_height * s.in_width * s.in_channels; }
std::int64_t output_size(const mlrun_conv2d_shape& s) { return s.batch * s.out_height * s.out_width * s.out_channels; }
std::int64_t filter_size(const mlrun_conv2d_shape& s)
{
    return s.groups < 1 ? 0 : s.kernel_height * s.kernel_width * (s.in_channels / s.groups) * s.out_channels;
}

}  // namespace

std::vector<std::string> backend::bf16_kernel_names()
{
    std::vector<std::string> names;
#define MLRUN_KERNEL_NAME_OF(name, parameters) names.emplace_back(#name);
    MLRUN_BACKEND_KERNELS_1_3(MLRUN_KERNEL_NAME_OF)
#undef MLRUN_KERNEL_NAME_OF
    return names;
}

bool backend::bf16_native() const
{
    const auto native = field_or(*table_, &mlrun_backend_table::bf16_native, nullptr);
    return native != nullptr && native(handle_) != 0;
}

std::optional<int> backend::threads() const
{
    const auto threads = field_or(*table_, &mlrun_backend_table::threads, nullptr);
    if (threads == nullptr) return std::nullopt;
    return static_cast<int>(threads(handle_));
}

const float* backend::bf16_copy(const float* values, std::int64_t count, std::vector<float>& scratch)
{
    if (count <= 0) return values;  // nothing is read
    if (scratch.size() < static_cast<std::size_t>(count)) scratch.resize(static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i) scratch[static_cast<std::size_t>(i)] = mlrun_bf16_round(values[i]);
    return scratch.data();
}

void backend::gemm_bf16(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                        const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
                        std::int64_t ldc)
{
    if (profile_) {
        profile_label_ = std::string("gemm_bf16 ") + (trans_a ? 'T' : 'N') + (trans_b ? 'T' : 'N') + " " +
                         std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k);
    }
    if (run_plugin<&mlrun_backend_table::gemm_bf16>(int{trans_a}, int{trans_b}, m, n, k, alpha, a, lda, b, ldb, beta,
                                                     c, ldc)) {
        return;
    }
    profile_label_.clear();
    if (m < 0 || n < 0 || k < 0) {  // the float32 kernel's message
        gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    const float* a16 = bf16_copy(a, trans_a ? matrix_span(k, m, lda) : matrix_span(m, k, lda), bf16_first_);
    const float* b16 = bf16_copy(b, trans_b ? matrix_span(n, k, ldb) : matrix_span(k, n, ldb), bf16_second_);
    gemm(trans_a, trans_b, m, n, k, alpha, a16, lda, b16, ldb, beta, c, ldc);
}

void backend::conv2d_forward_bf16(const mlrun_conv2d_shape& shape, const float* x, const float* w, float* y)
{
    if (profile_) profile_label_ = conv_label("conv2d_forward_bf16", shape);
    if (run_plugin<&mlrun_backend_table::conv2d_forward_bf16>(&shape, x, w, y)) return;
    profile_label_.clear();
    conv2d_forward(shape, bf16_copy(x, input_size(shape), bf16_first_), bf16_copy(w, filter_size(shape), bf16_second_),
                   y);
}

void backend::conv2d_backward_data_bf16(const mlrun_conv2d_shape& shape, const float* w, const float* dy, float* dx)
{
    if (profile_) profile_label_ = conv_label("conv2d_backward_data_bf16", shape);
    if (run_plugin<&mlrun_backend_table::conv2d_backward_data_bf16>(&shape, w, dy, dx)) return;
    profile_label_.clear();
    conv2d_backward_data(shape, bf16_copy(w, filter_size(shape), bf16_first_),
                         bf16_copy(dy, output_size(shape), bf16_second_), dx);
}

void backend::conv2d_backward_weights_bf16(const mlrun_conv2d_shape& shape, const float* x, const float* dy,
                                           float* dw)
{
    if (profile_) profile_label_ = conv_label("conv2d_backward_weights_bf16", shape);
    if (run_plugin<&mlrun_backend_table::conv2d_backward_weights_bf16>(&shape, x, dy, dw)) return;
    profile_label_.clear();
    conv2d_backward_weights(shape, bf16_copy(x, input_size(shape), bf16_first_),
                            bf16_copy(dy, output_size(shape), bf16_second_), dw);
}

}  // namespace mlrun
