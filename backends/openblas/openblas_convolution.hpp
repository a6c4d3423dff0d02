// Convolution on OpenBLAS: im2col + cblas_sgemm per group (col2im for
// backward data), in chunks of whole images so the lowered matrix stays
// under a bound. The matrix lives in scratch kept between calls: it grows
// to the largest chunk a run needs and then is reused, so a training step
// allocates nothing. A 1x1 convolution with stride 1, no padding and one
// group needs no lowering: x itself is the matrix.
#pragma once

#include "mlrun/abi/mlrun_backend.h"

#include <cstdint>
#include <vector>

namespace mlrun::openblas {

class convolution {
public:
    // Each returns UNIMPLEMENTED, having written nothing, for a shape the
    // reference must judge (an invalid one) or one past BLAS's int sizes.
    mlrun_status forward(const mlrun_conv2d_shape& s, const float* x, const float* w, float* y);
    mlrun_status backward_data(const mlrun_conv2d_shape& s, const float* w, const float* dy, float* dx);
    mlrun_status backward_weights(const mlrun_conv2d_shape& s, const float* x, const float* dy, float* dw);

private:
    // Images per chunk, and the scratch for one chunk's lowered matrix.
    std::int64_t chunk_images(const mlrun_conv2d_shape& s);
    std::vector<float> lowered_;
};

}  // namespace mlrun::openblas
