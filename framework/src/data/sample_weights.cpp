#include "mlrun/core/error.hpp"
#include "mlrun/data/array_io.hpp"
#include "mlrun/data/dataset.hpp"

#include <cmath>
#include <sstream>

namespace mlrun {

void load_sample_weights(dataset& data, const std::string& path)
{
    const tensor all = read_array(path);
    const shape& dims = all.dims();
    if (dims.rank() == 0 || dims.rank() > 2 || (dims.rank() == 2 && dims[1] != 1)) {
        throw data_error(path + ": sample weights must be one number per sample, shape (N,) or (N, 1), found shape " +
                         dims.to_string());
    }
    if (dims[0] < data.size()) {
        throw data_error(path + ": " + std::to_string(dims[0]) + " sample weights for the " +
                         std::to_string(data.size()) + " samples of " + data.name);
    }
    tensor weights(dtype::float32, {data.size()});
    for (std::int64_t i = 0; i < data.size(); ++i) {
        const float w = all.f32()[i];
        if (!(std::isfinite(w) && w >= 0.0f)) {
            std::ostringstream found;
            found << w;
            throw data_error(path + ": sample weight " + std::to_string(i) + " (0-based): expected a finite number >= 0, found " +
                             found.str());
        }
        weights.f32()[i] = w;
    }
    data.sample_weight = std::move(weights);
}

}  // namespace mlrun
