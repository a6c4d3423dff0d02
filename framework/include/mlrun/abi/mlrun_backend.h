/* The backend kernel table: what a compute backend plugin implements.
 *
 * Kernels, not layers: layers are written once in the framework on top of
 * these. All tensors are dense, row-major float32 in host memory unless a
 * parameter says otherwise. Every kernel may be NULL, lie past the table's
 * struct_size (a plugin built for an older ABI), or return
 * MLRUN_STATUS_UNIMPLEMENTED for a case it does not handle; in each case
 * the host runs the reference kernel instead. Any other non-OK status is
 * an error whose text `last_error` returns (mlrun_abi.h's convention: the
 * handle's message, owned by the backend, valid until its next call on the
 * same thread).
 *
 * Kernels never allocate memory the host must free, and never keep pointers
 * they were given past the call.
 */
#ifndef MLRUN_ABI_MLRUN_BACKEND_H
#define MLRUN_ABI_MLRUN_BACKEND_H

#include "mlrun/abi/mlrun_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mlrun_backend mlrun_backend; /* opaque, owned by the plugin */

/* Element-wise activations, with Keras 3's definitions. Values are fixed
 * (append only); a backend answers UNIMPLEMENTED for values it does not
 * know. activation_backward reads y = f(x) for LINEAR to TANH and the
 * input x itself for ELU and later (several of those, such as GELU, are
 * not invertible), passed in its `y` parameter. */
typedef enum mlrun_activation {
    MLRUN_ACTIVATION_LINEAR = 0,
    MLRUN_ACTIVATION_RELU = 1,
    MLRUN_ACTIVATION_SIGMOID = 2,
    MLRUN_ACTIVATION_TANH = 3,
    MLRUN_ACTIVATION_ELU = 4,          /* x > 0 ? x : exp(x) - 1 */
    MLRUN_ACTIVATION_SELU = 5,         /* scale * (x > 0 ? x : alpha (exp(x) - 1)) */
    MLRUN_ACTIVATION_GELU = 6,         /* x Phi(x), Phi the normal CDF (erf) */
    MLRUN_ACTIVATION_GELU_TANH = 7,    /* 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
    MLRUN_ACTIVATION_LEAKY_RELU = 8,   /* x > 0 ? x : 0.2 x */
    MLRUN_ACTIVATION_RELU6 = 9,        /* min(max(x, 0), 6) */
    MLRUN_ACTIVATION_SILU = 10,        /* x sigmoid(x) */
    MLRUN_ACTIVATION_SOFTPLUS = 11,    /* log(1 + exp(x)) */
    MLRUN_ACTIVATION_SOFTSIGN = 12,    /* x / (1 + |x|) */
    MLRUN_ACTIVATION_HARD_SIGMOID = 13, /* min(max(x / 6 + 0.5, 0), 1) */
    MLRUN_ACTIVATION_EXPONENTIAL = 14, /* exp(x) */
    MLRUN_ACTIVATION_MISH = 15         /* x tanh(softplus(x)) */
} mlrun_activation;

/* Dropout masks must be identical on every backend so results compare:
 * element i is kept when mlrun_dropout_uniform(seed, i) >= rate, with
 * mlrun_dropout_uniform defined in mlrun_dropout.h. */

/* The kernels, as X(name, (parameters)), in lists by the ABI version that
 * added them: MLRUN_BACKEND_KERNELS_1_0, MLRUN_BACKEND_KERNELS_1_2 and
 * MLRUN_BACKEND_KERNELS_1_3 (further down). The table below places each list
 * where its version put it; MLRUN_BACKEND_KERNELS, every list in table order,
 * is what the host's
 * dispatch and listings, the reference backend and the plugin helpers are
 * generated from. Append only: a later version adds its own list at the
 * end of the table. */
#define MLRUN_BACKEND_KERNELS_1_0(X)                                                                                \
    /* y[i] = value, i < n */                                                                                       \
    X(fill, (mlrun_backend* self, int64_t n, float value, float* y))                                                \
    /* y = alpha * x + beta * y (beta == 0 ignores y's old content) */                                              \
    X(axpby, (mlrun_backend* self, int64_t n, float alpha, const float* x, float beta, float* y))                   \
                                                                                                                    \
    /* C[m,n] = alpha * op(A) * op(B) + beta * C, row-major, op = transpose                                         \
     * when trans_* is non-zero; lda/ldb/ldc are row strides of the stored                                          \
     * matrices. beta == 0 ignores C's old content. */                                                              \
    X(gemm, (mlrun_backend* self, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,           \
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc))             \
                                                                                                                    \
    /* y[r,c] += bias[c] for a rows x cols matrix. */                                                               \
    X(bias_add, (mlrun_backend* self, int64_t rows, int64_t cols, const float* bias, float* y))                     \
    /* db[c] = sum over r of dy[r,c]. */                                                                            \
    X(bias_grad, (mlrun_backend* self, int64_t rows, int64_t cols, const float* dy, float* db))                     \
                                                                                                                    \
    /* y = f(x); x == y is allowed. */                                                                              \
    X(activation_forward, (mlrun_backend* self, int32_t activation, int64_t n, const float* x, float* y))           \
    /* dx = dy * f'(x), computed from y = f(x) or from x (mlrun_activation                                         \
     * says which); dx == dy is allowed. */                                                                         \
    X(activation_backward, (mlrun_backend* self, int32_t activation, int64_t n, const float* y,                     \
          const float* dy, float* dx))                                                                              \
                                                                                                                    \
    /* Row-wise softmax of a rows x cols matrix, numerically stable. */                                             \
    X(softmax_forward, (mlrun_backend* self, int64_t rows, int64_t cols, const float* x, float* y))                 \
    /* dx = y * (dy - sum(dy * y)) row-wise. */                                                                     \
    X(softmax_backward, (mlrun_backend* self, int64_t rows, int64_t cols, const float* y, const float* dy,          \
          float* dx))                                                                                               \
                                                                                                                    \
    /* Fused softmax + cross-entropy from logits. Targets are either class                                          \
     * indices (`labels`, one per row) or a rows x cols probability matrix                                          \
     * (`targets`); exactly one is non-NULL. Writes probabilities `probs`,                                          \
     * the per-row loss `losses`, and dlogits = (probs - target) * scale                                            \
     * (`dlogits` may be NULL for evaluation). A label outside [0, cols) is                                         \
     * INVALID_ARGUMENT. */                                                                                         \
    X(softmax_cross_entropy, (mlrun_backend* self, int64_t rows, int64_t cols, const float* logits,                 \
          const int32_t* labels, const float* targets, float* probs, float* losses, float* dlogits,                 \
          float scale))                                                                                             \
                                                                                                                    \
    /* Fused sigmoid + binary cross-entropy from logits, element-wise over                                          \
     * n = rows * cols; losses[r] is the mean over the row's cols. dlogits =                                        \
     * (sigmoid(x) - t) * scale / cols (NULL for evaluation). */                                                    \
    X(sigmoid_cross_entropy, (mlrun_backend* self, int64_t rows, int64_t cols, const float* logits,                 \
          const float* targets, float* probs, float* losses, float* dlogits, float scale))                          \
                                                                                                                    \
    /* Cross-entropy on probabilities (outputs that are not fused with their                                        \
     * activation), clipped to [epsilon, 1 - epsilon]. binary != 0: mean of                                         \
     * binary cross-entropy over the row's cols, else categorical with                                              \
     * `labels` or `targets` as above (predictions normalised per row).                                             \
     * dpred is the gradient w.r.t. the predictions times scale. */                                                 \
    X(probability_cross_entropy, (mlrun_backend* self, int32_t binary, int64_t rows, int64_t cols,                  \
          const float* pred, const int32_t* labels, const float* targets, float epsilon, float* losses,             \
          float* dpred, float scale))                                                                               \
                                                                                                                    \
    /* Mean squared error per row; dpred = 2 (pred - t) / cols * scale. */                                          \
    X(mean_squared_error, (mlrun_backend* self, int64_t rows, int64_t cols, const float* pred,                      \
          const float* targets, float* losses, float* dpred, float scale))                                          \
                                                                                                                    \
    /* *out = sum of x[i] (accumulated in double). */                                                               \
    X(sum, (mlrun_backend* self, int64_t n, const float* x, double* out))                                           \
    /* out[r] = index of the largest value of row r (first one on ties). */                                         \
    X(argmax_rows, (mlrun_backend* self, int64_t rows, int64_t cols, const float* x, int32_t* out))                 \
                                                                                                                    \
    /* Inverted dropout: mask[i] = keep ? 1 / (1 - rate) : 0, y = x * mask,                                         \
     * keep as defined by mlrun_dropout_uniform(seed, i) >= rate. */                                                \
    X(dropout_forward, (mlrun_backend* self, int64_t n, float rate, uint64_t seed, const float* x,                  \
          float* mask, float* y))                                                                                   \
    /* dx = dy * mask (dx == dy allowed); also the Add/multiply building block. */                                  \
    X(multiply, (mlrun_backend* self, int64_t n, const float* a, const float* b, float* y))                         \
                                                                                                                    \
    /* Optimizer updates, in place on the weights w and their slots.                                                \
     * SGD (Keras): v = momentum * v - lr * g; w += nesterov ? momentum * v - lr * g : v.                           \
     * With momentum == 0, `velocity` may be NULL and w -= lr * g. */                                               \
    X(sgd_update, (mlrun_backend* self, int64_t n, float lr, float momentum, int32_t nesterov, float* w,            \
          const float* g, float* velocity))                                                                         \
    /* Adam: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;                                                        \
     * w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon), with                                        \
     * v replaced by vhat = max(vhat, v) when vhat != NULL (AMSGrad). t >= 1                                        \
     * is the iteration number of this step. */                                                                     \
    X(adam_update, (mlrun_backend* self, int64_t n, float lr, float beta_1, float beta_2, float epsilon,            \
          int64_t t, float* w, const float* g, float* m, float* v, float* vhat))                                    \
    /* RMSprop: ms = rho ms + (1 - rho) g^2; with centered, mg = rho mg +                                           \
     * (1 - rho) g and denom = ms - mg^2, else denom = ms; step = lr * g /                                          \
     * sqrt(denom + epsilon); with momentum, mom = momentum mom + step and                                          \
     * w -= mom, else w -= step. `mg` NULL unless centered, `mom` NULL                                              \
     * unless momentum > 0. */                                                                                      \
    X(rmsprop_update, (mlrun_backend* self, int64_t n, float lr, float rho, float momentum, float epsilon,          \
          float* w, const float* g, float* ms, float* mom, float* mg))

/* ABI 1.2: convolution, pooling and normalization.
 *
 * Activations are NHWC: element (n, h, w, c) of an N x H x W x C tensor is
 * at ((n * H + h) * W + w) * C + c. Filters are HWIO, Keras's layout, so
 * Keras weights need no transposition: element (kh, kw, i, o) of a
 * KH x KW x (C_in / groups) x C_out filter is at
 * ((kh * KW + kw) * (C_in / groups) + i) * C_out + o.
 *
 * Convolution, as Keras and TensorFlow define it (cross-correlation, no
 * flipped filter). With groups g, input channels split into g groups of
 * C_in / g and output channels into g groups of C_out / g; output channel o
 * belongs to group G = o / (C_out / g) and sees input channels
 * G * (C_in / g) + i, i < C_in / g:
 *   y[n, oh, ow, o] = sum over kh, kw, i of
 *       x[n, oh * stride_h + kh * dilation_h - pad_top,
 *            ow * stride_w + kw * dilation_w - pad_left, G * (C_in / g) + i]
 *       * w[kh, kw, i, o]
 * where cells outside the input (the padding) read 0. Depthwise
 * convolution with channel multiplier M is groups == C_in, C_out = C_in * M;
 * Keras's depthwise kernel KH x KW x C_in x M is that filter's memory as it
 * is (output channel c * M + m). A 1-D convolution is the 2-D one with
 * in_height = kernel_height = 1. Sizes must agree:
 *   out_height = (in_height + pad_top + pad_bottom - dilation_h * (kernel_height - 1) - 1) / stride_h + 1
 * (integer division of a numerator >= 0), and likewise for the width, so
 * TensorFlow's "same" padding (total max((out - 1) * stride + dilation *
 * (kernel - 1) + 1 - in, 0), the smaller half on top and left) and "valid"
 * (all 0) are both expressible. Every size is >= 1 (pads >= 0), C_in and
 * C_out divisible by groups; a shape that breaks these is
 * INVALID_ARGUMENT. A bias is bias_add / bias_grad over the
 * [batch * out_height * out_width, C_out] rows of y / dy. */
typedef struct mlrun_conv2d_shape {
    int64_t batch;
    int64_t in_height, in_width, in_channels;
    int64_t out_height, out_width, out_channels;
    int64_t kernel_height, kernel_width;
    int64_t stride_height, stride_width;
    int64_t dilation_height, dilation_width;
    int64_t pad_top, pad_bottom, pad_left, pad_right;
    int64_t groups;
} mlrun_conv2d_shape;

/* Pooling windows. Values are fixed (append only). */
typedef enum mlrun_pooling {
    MLRUN_POOLING_MAX = 0,
    MLRUN_POOLING_AVERAGE = 1
} mlrun_pooling;

/* 2-D pooling over NHWC tensors, channel by channel. Output (oh, ow)'s
 * window is the cells x[n, oh * stride_h - pad_top + kh, ow * stride_w -
 * pad_left + kw, c], kh < window_height, kw < window_width, that lie
 * inside the input: padded cells never count (TensorFlow's semantics: max
 * ignores them, average divides by the number of cells inside). Sizes
 * agree as for convolution with dilation 1:
 *   out_height = (in_height + pad_top + pad_bottom - window_height) / stride_h + 1,
 * every window holds at least one input cell (pads < window sizes), and
 * every size is >= 1; otherwise INVALID_ARGUMENT. */
typedef struct mlrun_pool2d_shape {
    int64_t batch;
    int64_t in_height, in_width, channels;
    int64_t out_height, out_width;
    int64_t window_height, window_width;
    int64_t stride_height, stride_width;
    int64_t pad_top, pad_bottom, pad_left, pad_right;
} mlrun_pool2d_shape;

/* Batch and layer normalization work on a [rows, channels] view: batch
 * normalization normalizes each channel (column) over the rows (an NHWC
 * tensor is rows = N * H * W), layer normalization each row over its
 * columns. Statistics are the mean and the biased variance (divided by the
 * count); x_hat = (x - mean) / sqrt(variance + epsilon), y = gamma * x_hat
 * + beta, with gamma NULL meaning 1 and beta NULL meaning 0 (Keras's
 * scale=False, center=False); gamma and beta have one value per channel
 * (column) in both. */
#define MLRUN_BACKEND_KERNELS_1_2(X)                                                                                \
    /* Convolution forward: y (batch x out_h x out_w x C_out) from x (batch x                                       \
     * in_h x in_w x C_in) and filter w, as in mlrun_conv2d_shape's comment. */                                     \
    X(conv2d_forward, (mlrun_backend* self, const mlrun_conv2d_shape* shape, const float* x, const float* w,        \
          float* y))                                                                                                \
    /* Backward data: dx = the gradient of sum(dy * conv2d_forward(x)) w.r.t.                                       \
     * x, overwriting dx (cells no window reads get 0). With the shape's in_*                                       \
     * as the output and out_* as the input it is Conv2DTranspose's forward                                         \
     * (Keras's transposed kernel KH x KW x filters x C_in is w as it is). */                                       \
    X(conv2d_backward_data, (mlrun_backend* self, const mlrun_conv2d_shape* shape, const float* w,                  \
          const float* dy, float* dx))                                                                              \
    /* Backward weights: dw (the filter's shape) = the gradient of                                                  \
     * sum(dy * conv2d_forward(x)) w.r.t. w, summed over the batch,                                                 \
     * overwriting dw. */                                                                                           \
    X(conv2d_backward_weights, (mlrun_backend* self, const mlrun_conv2d_shape* shape, const float* x,               \
          const float* dy, float* dw))                                                                              \
                                                                                                                    \
    /* Pooling forward (`pooling` an mlrun_pooling): y (batch x out_h x out_w                                       \
     * x channels) is each window's largest value or the mean of its cells.                                         \
     * For max pooling, `argmax` (NULL, or one int32 per element of y, laid                                         \
     * out as y) receives the window-local position kh * window_width + kw                                          \
     * of the first largest cell in row-major window order; average pooling                                         \
     * ignores it. */                                                                                               \
    X(pool2d_forward, (mlrun_backend* self, int32_t pooling, const mlrun_pool2d_shape* shape, const float* x,       \
          float* y, int32_t* argmax))                                                                               \
    /* Pooling backward: dx (x's shape, overwritten) = the gradient of                                              \
     * sum(dy * pool2d_forward(x)) w.r.t. x. Max: each dy goes to its window's                                      \
     * first largest cell, read from `argmax` as pool2d_forward wrote it, or,                                       \
     * with argmax NULL, found again in x; average: dy / (cells inside the                                          \
     * window) to each cell of the window (x is not read, and may be NULL). */                                      \
    X(pool2d_backward, (mlrun_backend* self, int32_t pooling, const mlrun_pool2d_shape* shape, const float* x,      \
          const int32_t* argmax, const float* dy, float* dx))                                                       \
                                                                                                                    \
    /* Batch normalization in training: mean[c] and variance[c] (outputs,                                           \
     * `channels` each) are column c's batch statistics, and y is x                                                 \
     * normalized with them. The moving averages are the caller's. */                                               \
    X(batch_norm_forward_training, (mlrun_backend* self, int64_t rows, int64_t channels, const float* x,            \
          const float* gamma, const float* beta, float epsilon, float* y, float* mean, float* variance))            \
    /* Batch normalization in inference: y is x normalized with the given                                           \
     * mean and variance (the moving statistics). */                                                                \
    X(batch_norm_forward_inference, (mlrun_backend* self, int64_t rows, int64_t channels, const float* x,           \
          const float* gamma, const float* beta, const float* mean, const float* variance, float epsilon,           \
          float* y))                                                                                                \
    /* Batch normalization backward, given dy and the forward's x, gamma,                                           \
     * mean, variance and epsilon. batch_statistics != 0: the gradient of                                           \
     * the training forward (mean and variance are the batch's, functions                                           \
     * of x): dx = gamma / sqrt(variance + epsilon) * (dy - mean_r(dy) -                                            \
     * x_hat * mean_r(dy * x_hat)); == 0: of the inference forward (mean and                                        \
     * variance constants): dx = gamma / sqrt(variance + epsilon) * dy. Both:                                       \
     * dgamma[c] = sum_r dy * x_hat, dbeta[c] = sum_r dy; each of dx, dgamma,                                       \
     * dbeta may be NULL (not wanted), all overwritten. */                                                          \
    X(batch_norm_backward, (mlrun_backend* self, int32_t batch_statistics, int64_t rows, int64_t channels,          \
          const float* x, const float* dy, const float* gamma, const float* mean, const float* variance,            \
          float epsilon, float* dx, float* dgamma, float* dbeta))                                                   \
                                                                                                                    \
    /* Layer normalization forward: each row normalized over its `cols`                                             \
     * values; mean[r] and variance[r] (outputs, `rows` each) are kept for                                          \
     * the backward. */                                                                                             \
    X(layer_norm_forward, (mlrun_backend* self, int64_t rows, int64_t cols, const float* x, const float* gamma,     \
          const float* beta, float epsilon, float* y, float* mean, float* variance))                                \
    /* Layer normalization backward, from the forward's mean and variance:                                          \
     * with g = dy * gamma, dx = (g - mean_c(g) - x_hat * mean_c(g * x_hat))                                        \
     * / sqrt(variance + epsilon) per row; dgamma[c] = sum_r dy * x_hat,                                            \
     * dbeta[c] = sum_r dy; each of dx, dgamma, dbeta may be NULL, all                                              \
     * overwritten. */                                                                                              \
    X(layer_norm_backward, (mlrun_backend* self, int64_t rows, int64_t cols, const float* x, const float* dy,       \
          const float* gamma, const float* mean, const float* variance, float epsilon, float* dx, float* dgamma,    \
          float* dbeta))

/* ABI 1.3: the bf16 variants of the products, for Keras's mixed_bfloat16
 * policy. Each has the parameters and the meaning of the float32 kernel of
 * the same name without _bf16, except that the two inputs (a and b; x and w;
 * w and dy; x and dy) are first rounded to bf16 with mlrun_bf16_round
 * (mlrun_bf16.h) and the products are summed in float32: what a CPU's bf16
 * dot-product instructions compute. Data stays float32 in memory on both
 * sides: a backend converts to its own bf16 buffers inside the call. The
 * output is float32, rounded only by the float32 accumulation. */
#define MLRUN_BACKEND_KERNELS_1_3(X)                                                                                \
    X(gemm_bf16, (mlrun_backend* self, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,      \
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc))             \
    X(conv2d_forward_bf16, (mlrun_backend* self, const mlrun_conv2d_shape* shape, const float* x, const float* w,   \
          float* y))                                                                                                \
    X(conv2d_backward_data_bf16, (mlrun_backend* self, const mlrun_conv2d_shape* shape, const float* w,             \
          const float* dy, float* dx))                                                                              \
    X(conv2d_backward_weights_bf16, (mlrun_backend* self, const mlrun_conv2d_shape* shape, const float* x,          \
          const float* dy, float* dw))

/* Every kernel, in table order. */
#define MLRUN_BACKEND_KERNELS(X) MLRUN_BACKEND_KERNELS_1_0(X) MLRUN_BACKEND_KERNELS_1_2(X) MLRUN_BACKEND_KERNELS_1_3(X)

typedef struct mlrun_backend_table {
    uint32_t struct_size;

    /* Lifetime. `options` are borrowed key/value pairs such as
     * {"threads", "2"}; unknown keys are ignored. {"threads_default", "1"}
     * comes with a count the host chose (backend.threads: 0), which the
     * backend may lower where that is faster. ABI 1.0's create: one
     * that fails may still set *out so that last_error(*out) explains; the
     * host then reads the message and calls destroy(*out). A host of ABI
     * 1.1 calls create_reporting instead where the table has it. */
    mlrun_status (*create)(const mlrun_option* options, size_t option_count, mlrun_backend** out);
    void (*destroy)(mlrun_backend* self);
    /* The message of the last failed call on `self`; with self == NULL, of
     * the last failed create() on this thread. */
    const char* (*last_error)(mlrun_backend* self);

#define MLRUN_BACKEND_KERNEL_ENTRY(name, parameters) mlrun_status(*name) parameters;
    MLRUN_BACKEND_KERNELS_1_0(MLRUN_BACKEND_KERNEL_ENTRY)

    /* ABI 1.1. create() reporting as every other creating entry does: a
     * failure's message goes into the caller's `error` buffer, and *out is
     * left NULL (nothing to destroy). */
    mlrun_status (*create_reporting)(const mlrun_option* options, size_t option_count, mlrun_backend** out,
                                     char* error, size_t error_size);

    /* ABI 1.2. */
    MLRUN_BACKEND_KERNELS_1_2(MLRUN_BACKEND_KERNEL_ENTRY)

    /* ABI 1.3. */
    MLRUN_BACKEND_KERNELS_1_3(MLRUN_BACKEND_KERNEL_ENTRY)
    /* Whether this backend's bf16 kernels run on the CPU's own bf16
     * instructions (non-zero) or not (0, also when NULL): the host then
     * tells the user once that bf16 is emulated, and refuses to train when
     * asked for native bf16 only. A bf16 kernel a backend leaves out (or
     * answers UNIMPLEMENTED) the host emulates: inputs rounded to bf16,
     * then the backend's float32 kernel. The reference provides them all,
     * emulated: they define what the others compute. */
    int32_t (*bf16_native)(mlrun_backend* self);

    /* ABI 1.4. How many threads this backend runs its kernels on, at most
     * the "threads" it was asked for (1 for a backend that never starts a
     * thread). The host says it in the run's first line; NULL: it says the
     * count it asked for. */
    int32_t (*threads)(mlrun_backend* self);
#undef MLRUN_BACKEND_KERNEL_ENTRY
} mlrun_backend_table;

#ifdef __cplusplus
}
#endif

#endif
