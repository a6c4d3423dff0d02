#include "mlrun/metrics/accuracy.hpp"

namespace mlrun {

accuracy_kind choose_accuracy(loss_kind loss, std::int64_t output_width)
{
    switch (loss) {
    case loss_kind::sparse_categorical_crossentropy: return accuracy_kind::sparse_categorical;
    case loss_kind::categorical_crossentropy: return accuracy_kind::categorical;
    case loss_kind::binary_crossentropy: return accuracy_kind::binary;
    default:
        // Keras decides by the output: one value per sample is a binary decision.
        return output_width == 1 ? accuracy_kind::binary : accuracy_kind::categorical;
    }
}

}  // namespace mlrun
