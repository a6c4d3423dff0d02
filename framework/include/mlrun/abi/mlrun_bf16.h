/* bfloat16 rounding shared by every backend and the host.
 *
 * bf16 is float32's sign, its 8 exponent bits and the top 7 of its 23
 * mantissa bits. Rounding a float32 to bf16 here is round-to-nearest-even on
 * the dropped 16 bits, the rounding oneDNN, TensorFlow and the CPUs' bf16
 * conversion instructions use; NaN stays NaN (quiet) and values past bf16's
 * largest finite one round to infinity. The result is returned as the
 * float32 of the same value, so kernels that emulate bf16 compute on it with
 * float32 arithmetic.
 */
#ifndef MLRUN_ABI_MLRUN_BF16_H
#define MLRUN_ABI_MLRUN_BF16_H

#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* x rounded to the nearest bf16 (ties to even), as a float32. */
static inline float mlrun_bf16_round(float x)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
        bits = (bits | 0x00400000u) & 0xffff0000u; /* NaN: keep it a (quiet) NaN */
    } else {
        bits += 0x7fffu + ((bits >> 16) & 1u);
        bits &= 0xffff0000u;
    }
    float rounded;
    memcpy(&rounded, &bits, sizeof rounded);
    return rounded;
}

#ifdef __cplusplus
}
#endif

#endif
