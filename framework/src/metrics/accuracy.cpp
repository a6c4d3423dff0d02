#include "mlrun/metrics/accuracy.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"

namespace mlrun {

accuracy_kind choose_accuracy(loss_kind loss, std::int64_t output_width)
{
    switch (loss) {
    case loss_kind::sparse_categorical_crossentropy: return accuracy_kind::sparse_categorical;
    case loss_kind::categorical_crossentropy: return accuracy_kind::categorical;
    case loss_kind::binary_crossentropy: return accuracy_kind::binary;
    case loss_kind::mean_squared_error:
        return output_width == 1 ? accuracy_kind::binary : accuracy_kind::categorical;
    }
    return accuracy_kind::categorical;
}

std::vector<std::string> metric_names()
{
    return {"accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy", "binary_accuracy"};
}

accuracy_kind parse_accuracy(const std::string& name, loss_kind loss, std::int64_t output_width)
{
    if (name == "accuracy" || name == "acc") return choose_accuracy(loss, output_width);
    if (name == "sparse_categorical_accuracy") return accuracy_kind::sparse_categorical;
    if (name == "categorical_accuracy") return accuracy_kind::categorical;
    if (name == "binary_accuracy") return accuracy_kind::binary;
    std::string list;
    for (const std::string& n : metric_names()) list += (list.empty() ? "" : ", ") + n;
    throw config_error("unknown metric '" + name + "'; known: " + list);
}

void accuracy_metric::update(backend& be, const tensor& prediction, const tensor& targets)
{
    const std::int64_t rows = prediction.dims()[0];
    const std::int64_t cols = prediction.size() / std::max<std::int64_t>(rows, 1);
    if (kind_ == accuracy_kind::binary) {
        const float* p = prediction.f32();
        for (std::int64_t i = 0; i < prediction.size(); ++i) {
            const float t = targets.type() == dtype::int32 ? static_cast<float>(targets.data<std::int32_t>()[i])
                                                          : targets.f32()[i];
            correct_ += (p[i] > 0.5f) == (t > 0.5f);
        }
        total_ += prediction.size();
        return;
    }
    if (predicted_.type() != dtype::int32) predicted_ = tensor(dtype::int32, {rows});
    predicted_.reshape({rows});
    be.argmax_rows(rows, cols, prediction.f32(), predicted_.data<std::int32_t>());
    const std::int32_t* expected = nullptr;
    if (targets.type() == dtype::int32) {
        expected = targets.data<std::int32_t>();
    } else {
        if (expected_.type() != dtype::int32) expected_ = tensor(dtype::int32, {rows});
        expected_.reshape({rows});
        be.argmax_rows(rows, cols, targets.f32(), expected_.data<std::int32_t>());
        expected = expected_.data<std::int32_t>();
    }
    const std::int32_t* predicted = predicted_.data<std::int32_t>();
    for (std::int64_t r = 0; r < rows; ++r) correct_ += predicted[r] == expected[r];
    total_ += rows;
}

}  // namespace mlrun
