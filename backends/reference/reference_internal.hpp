// Declarations shared by the reference kernel files; not part of any API.
#pragma once

#include "mlrun/abi/mlrun_backend.h"

namespace mlrun::reference {

mlrun_status fill(mlrun_backend*, int64_t n, float value, float* y);
mlrun_status axpby(mlrun_backend*, int64_t n, float alpha, const float* x, float beta, float* y);
mlrun_status multiply(mlrun_backend*, int64_t n, const float* a, const float* b, float* y);
mlrun_status sum(mlrun_backend*, int64_t n, const float* x, double* out);
mlrun_status argmax_rows(mlrun_backend*, int64_t rows, int64_t cols, const float* x, int32_t* out);

mlrun_status gemm(mlrun_backend*, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
mlrun_status bias_add(mlrun_backend*, int64_t rows, int64_t cols, const float* bias, float* y);
mlrun_status bias_grad(mlrun_backend*, int64_t rows, int64_t cols, const float* dy, float* db);

mlrun_status activation_forward(mlrun_backend*, int32_t activation, int64_t n, const float* x, float* y);
mlrun_status activation_backward(mlrun_backend*, int32_t activation, int64_t n, const float* y, const float* dy,
                                 float* dx);
mlrun_status softmax_forward(mlrun_backend*, int64_t rows, int64_t cols, const float* x, float* y);
mlrun_status softmax_backward(mlrun_backend*, int64_t rows, int64_t cols, const float* y, const float* dy,
                              float* dx);
mlrun_status dropout_forward(mlrun_backend*, int64_t n, float rate, uint64_t seed, const float* x, float* mask,
                             float* y);

mlrun_status softmax_cross_entropy(mlrun_backend*, int64_t rows, int64_t cols, const float* logits,
                                   const int32_t* labels, const float* targets, float* probs, float* losses,
                                   float* dlogits, float scale);
mlrun_status sigmoid_cross_entropy(mlrun_backend*, int64_t rows, int64_t cols, const float* logits,
                                   const float* targets, float* probs, float* losses, float* dlogits, float scale);
mlrun_status probability_cross_entropy(mlrun_backend*, int32_t binary, int64_t rows, int64_t cols,
                                       const float* pred, const int32_t* labels, const float* targets,
                                       float epsilon, float* losses, float* dpred, float scale);
mlrun_status mean_squared_error(mlrun_backend*, int64_t rows, int64_t cols, const float* pred,
                                const float* targets, float* losses, float* dpred, float scale);

mlrun_status sgd_update(mlrun_backend*, int64_t n, float lr, float momentum, int32_t nesterov, float* w,
                        const float* g, float* velocity);
mlrun_status adam_update(mlrun_backend*, int64_t n, float lr, float beta_1, float beta_2, float epsilon,
                         int64_t t, float* w, const float* g, float* m, float* v, float* vhat);
mlrun_status rmsprop_update(mlrun_backend*, int64_t n, float lr, float rho, float momentum, float epsilon,
                            float* w, const float* g, float* ms, float* mom, float* mg);

// Writes softmax(z) of one row into p and returns log(sum(exp(z))).
float softmax_row(const float* z, float* p, int64_t cols);

// Records the message last_error() returns and yields `status`.
mlrun_status fail(mlrun_status status, const char* message);

}  // namespace mlrun::reference
