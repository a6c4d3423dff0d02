/* ABI 1.0's function tables, frozen as released: the shorter structs a
 * plugin built for ABI 1.0 hands to the host. Test-only; the plugins built
 * with it show that a later host takes such a plugin as it is. The types
 * the tables use (statuses, options, tensor views) are those of mlrun_abi.h
 * and mlrun_format.h, unchanged since 1.0. Never edit this file. */
#ifndef MLRUN_TESTS_TABLES_1_0_H
#define MLRUN_TESTS_TABLES_1_0_H

#include "mlrun/abi/mlrun_backend.h"
#include "mlrun/abi/mlrun_format.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mlrun_backend_table_1_0 {
    uint32_t struct_size;
    mlrun_status (*create)(const mlrun_option* options, size_t option_count, mlrun_backend** out);
    void (*destroy)(mlrun_backend* self);
    const char* (*last_error)(mlrun_backend* self);
    mlrun_status (*fill)(mlrun_backend* self, int64_t n, float value, float* y);
    mlrun_status (*axpby)(mlrun_backend* self, int64_t n, float alpha, const float* x, float beta, float* y);
    mlrun_status (*gemm)(mlrun_backend* self, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                         float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                         float* c, int64_t ldc);
    mlrun_status (*bias_add)(mlrun_backend* self, int64_t rows, int64_t cols, const float* bias, float* y);
    mlrun_status (*bias_grad)(mlrun_backend* self, int64_t rows, int64_t cols, const float* dy, float* db);
    mlrun_status (*activation_forward)(mlrun_backend* self, int32_t activation, int64_t n, const float* x,
                                       float* y);
    mlrun_status (*activation_backward)(mlrun_backend* self, int32_t activation, int64_t n, const float* y,
                                        const float* dy, float* dx);
    mlrun_status (*softmax_forward)(mlrun_backend* self, int64_t rows, int64_t cols, const float* x, float* y);
    mlrun_status (*softmax_backward)(mlrun_backend* self, int64_t rows, int64_t cols, const float* y,
                                     const float* dy, float* dx);
    mlrun_status (*softmax_cross_entropy)(mlrun_backend* self, int64_t rows, int64_t cols, const float* logits,
                                          const int32_t* labels, const float* targets, float* probs,
                                          float* losses, float* dlogits, float scale);
    mlrun_status (*sigmoid_cross_entropy)(mlrun_backend* self, int64_t rows, int64_t cols, const float* logits,
                                          const float* targets, float* probs, float* losses, float* dlogits,
                                          float scale);
    mlrun_status (*probability_cross_entropy)(mlrun_backend* self, int32_t binary, int64_t rows, int64_t cols,
                                              const float* pred, const int32_t* labels, const float* targets,
                                              float epsilon, float* losses, float* dpred, float scale);
    mlrun_status (*mean_squared_error)(mlrun_backend* self, int64_t rows, int64_t cols, const float* pred,
                                       const float* targets, float* losses, float* dpred, float scale);
    mlrun_status (*sum)(mlrun_backend* self, int64_t n, const float* x, double* out);
    mlrun_status (*argmax_rows)(mlrun_backend* self, int64_t rows, int64_t cols, const float* x, int32_t* out);
    mlrun_status (*dropout_forward)(mlrun_backend* self, int64_t n, float rate, uint64_t seed, const float* x,
                                    float* mask, float* y);
    mlrun_status (*multiply)(mlrun_backend* self, int64_t n, const float* a, const float* b, float* y);
    mlrun_status (*sgd_update)(mlrun_backend* self, int64_t n, float lr, float momentum, int32_t nesterov,
                               float* w, const float* g, float* velocity);
    mlrun_status (*adam_update)(mlrun_backend* self, int64_t n, float lr, float beta_1, float beta_2,
                                float epsilon, int64_t t, float* w, const float* g, float* m, float* v,
                                float* vhat);
    mlrun_status (*rmsprop_update)(mlrun_backend* self, int64_t n, float lr, float rho, float momentum,
                                   float epsilon, float* w, const float* g, float* ms, float* mom, float* mg);
} mlrun_backend_table_1_0;

typedef struct mlrun_format_table_1_0 {
    uint32_t struct_size;
    const char* suffixes;
    mlrun_status (*save_begin)(const char* path, const mlrun_option* options, size_t option_count,
                               mlrun_format_writer** out, char* error, size_t error_size);
    mlrun_status (*save_tensor)(mlrun_format_writer* writer, const mlrun_tensor_view* tensor);
    mlrun_status (*save_metadata)(mlrun_format_writer* writer, const char* key, const char* value);
    mlrun_status (*save_commit)(mlrun_format_writer* writer, char* error, size_t error_size);
    void (*save_abort)(mlrun_format_writer* writer);
    const char* (*writer_error)(mlrun_format_writer* writer);
    mlrun_status (*open)(const char* path, const mlrun_option* options, size_t option_count,
                         mlrun_format_reader** out, char* error, size_t error_size);
    int64_t (*tensor_count)(mlrun_format_reader* reader);
    mlrun_status (*tensor_info)(mlrun_format_reader* reader, int64_t index, mlrun_tensor_view* out);
    mlrun_status (*read_tensor)(mlrun_format_reader* reader, int64_t index, void* dst, uint64_t dst_size);
    mlrun_status (*read_strings)(mlrun_format_reader* reader, int64_t index, mlrun_string_sink sink,
                                 void* context);
    int64_t (*metadata_count)(mlrun_format_reader* reader);
    mlrun_status (*metadata_entry)(mlrun_format_reader* reader, int64_t index, const char** key,
                                   const char** value);
    void (*close)(mlrun_format_reader* reader);
    const char* (*reader_error)(mlrun_format_reader* reader);
    uint32_t flags;
    mlrun_status (*check_save_path)(const char* path, char* error, size_t error_size);
} mlrun_format_table_1_0;

#ifdef __cplusplus
}
#endif

#endif
