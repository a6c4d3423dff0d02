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

/* Every kernel, in table order, as X(name, (parameters)): the one list the
 * table below, the host's dispatch and listings, the reference backend and
 * the plugin helpers are generated from. Append only (new kernels go at
 * the end of the table, after the entries of later ABI versions). */
#define MLRUN_BACKEND_KERNELS(X)                                                                                    \
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

typedef struct mlrun_backend_table {
    uint32_t struct_size;

    /* Lifetime. `options` are borrowed key/value pairs such as
     * {"threads", "2"}; unknown keys are ignored. ABI 1.0's create: one
     * that fails may still set *out so that last_error(*out) explains; the
     * host then reads the message and calls destroy(*out). A host of ABI
     * 1.1 calls create_reporting instead where the table has it. */
    mlrun_status (*create)(const mlrun_option* options, size_t option_count, mlrun_backend** out);
    void (*destroy)(mlrun_backend* self);
    /* The message of the last failed call on `self`; with self == NULL, of
     * the last failed create() on this thread. */
    const char* (*last_error)(mlrun_backend* self);

#define MLRUN_BACKEND_KERNEL_ENTRY(name, parameters) mlrun_status(*name) parameters;
    MLRUN_BACKEND_KERNELS(MLRUN_BACKEND_KERNEL_ENTRY)
#undef MLRUN_BACKEND_KERNEL_ENTRY

    /* ABI 1.1. create() reporting as every other creating entry does: a
     * failure's message goes into the caller's `error` buffer, and *out is
     * left NULL (nothing to destroy). */
    mlrun_status (*create_reporting)(const mlrun_option* options, size_t option_count, mlrun_backend** out,
                                     char* error, size_t error_size);
} mlrun_backend_table;

#ifdef __cplusplus
}
#endif

#endif
