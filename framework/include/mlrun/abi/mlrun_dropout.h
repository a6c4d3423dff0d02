/* The dropout random stream shared by every backend.
 *
 * A counter-based generator (the splitmix64 finaliser over seed + index), so
 * element i's keep/drop decision depends only on (seed, i): any backend can
 * compute it in any order or in parallel and get the same mask.
 */
#ifndef MLRUN_ABI_MLRUN_DROPOUT_H
#define MLRUN_ABI_MLRUN_DROPOUT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A float in [0, 1) with 24 random bits. */
static inline float mlrun_dropout_uniform(uint64_t seed, uint64_t index)
{
    uint64_t z = seed + (index + 1u) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (float)(z >> 40) * (1.0f / 16777216.0f);
}

#ifdef __cplusplus
}
#endif

#endif
