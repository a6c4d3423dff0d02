/* ABI 1.1's backend table, frozen as released: ABI 1.0's followed by
 * create_reporting, and no convolution, pooling or normalization kernels.
 * Test-only, like abi_1_0/mlrun_tables_1_0.h. Never edit this file. */
#ifndef MLRUN_TESTS_TABLES_1_1_H
#define MLRUN_TESTS_TABLES_1_1_H

#include "../abi_1_0/mlrun_tables_1_0.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mlrun_backend_table_1_1 {
    mlrun_backend_table_1_0 table_1_0;
    mlrun_status (*create_reporting)(const mlrun_option* options, size_t option_count, mlrun_backend** out,
                                     char* error, size_t error_size);
} mlrun_backend_table_1_1;

#ifdef __cplusplus
}
#endif

#endif
