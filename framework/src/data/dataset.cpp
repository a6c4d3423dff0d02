#include "mlrun/data/dataset.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/data/finite_samples.hpp"
#include "mlrun/data/idx.hpp"

#include <boost/filesystem/operations.hpp>

#include <cmath>
#include <cstring>

namespace fs = boost::filesystem;

namespace mlrun {
namespace {

std::string locate(const std::string& directory, const std::string& file)
{
    const fs::path path = fs::path(directory) / file;
    if (fs::exists(path)) return path.string();
    const std::string text = path.string();
    const std::string gz = ".gz";
    const bool zipped = text.size() > gz.size() && text.compare(text.size() - gz.size(), gz.size(), gz) == 0;
    const std::string other = zipped ? text.substr(0, text.size() - gz.size()) : text + gz;
    if (fs::exists(other)) return other;
    throw data_error(text + ": no such file (nor " + other + "); prepare the data first (scripts/prepare_data.sh) "
                     "or set data.path");
}

// Converts one element of any IDX type to float.
float element_as_float(const idx_array& a, std::size_t i)
{
    const std::byte* p = a.data.data() + i * idx_element_size(a.type);
    switch (a.type) {
    case idx_type::u8: return static_cast<float>(std::to_integer<std::uint8_t>(*p));
    case idx_type::i8: return static_cast<float>(static_cast<std::int8_t>(std::to_integer<std::uint8_t>(*p)));
    case idx_type::i16: { std::int16_t v; std::memcpy(&v, p, 2); return v; }
    case idx_type::i32: { std::int32_t v; std::memcpy(&v, p, 4); return static_cast<float>(v); }
    case idx_type::f32: { float v; std::memcpy(&v, p, 4); return v; }
    case idx_type::f64: { double v; std::memcpy(&v, p, 8); return static_cast<float>(v); }
    }
    return 0.0f;
}

}  // namespace

dataset load_idx_dataset(const data_options& options, const std::string& images, const std::string& labels,
                         std::int64_t take, const std::string& name)
{
    const std::string image_path = locate(options.path, images);
    const std::string label_path = locate(options.path, labels);
    const idx_array x = read_idx(image_path);
    const idx_array y = read_idx(label_path);
    if (y.dims.size() != 1) {
        throw data_error(label_path + ": expected labels of rank 1, found rank " + std::to_string(y.dims.size()));
    }
    if (x.dims.empty() || x.dims[0] != y.dims[0]) {
        throw data_error(image_path + " holds " + std::to_string(x.dims.empty() ? 0 : x.dims[0]) + " samples but " +
                         label_path + " holds " + std::to_string(y.dims[0]) + " labels");
    }
    const auto available = static_cast<std::int64_t>(x.dims[0]);
    if (take < 0) throw data_error(name + ": take must be >= 0, found " + std::to_string(take));
    const std::int64_t count = take == 0 ? available : std::min(take, available);
    if (take > available) {
        throw data_error(image_path + ": asked for the first " + std::to_string(take) + " samples, the file has " +
                         std::to_string(available));
    }

    std::vector<std::int64_t> sample_dims(x.dims.begin() + 1, x.dims.end());
    // A dimension of 0 lets the other dimensions be anything up to 2^32 - 1
    // with no data to back them, so their product is checked.
    std::int64_t sample_size = 1;
    for (std::int64_t d : sample_dims) {
        if (__builtin_mul_overflow(sample_size, d, &sample_size)) {
            throw data_error(image_path + ": samples of shape " + shape(sample_dims).to_string() +
                             " have more elements than a tensor can hold");
        }
    }
    if (options.flatten) sample_dims = {sample_size};

    dataset result;
    result.name = name;
    result.x = tensor(shape(sample_dims).with_batch(count));
    result.y = tensor(dtype::int32, {count});
    float* xs = result.x.f32();
    const float inverse = 1.0f / options.scale;
    for (std::int64_t i = 0; i < count * sample_size; ++i) {
        xs[i] = element_as_float(x, static_cast<std::size_t>(i)) * inverse;
    }
    check_finite_samples(xs, count * sample_size, sample_size, image_path);
    std::int32_t* ys = result.y.data<std::int32_t>();
    for (std::int64_t i = 0; i < count; ++i) {
        const float label = element_as_float(y, static_cast<std::size_t>(i));
        // Range first: converting a float outside int32 (or NaN) is undefined.
        if (!(label >= 0.0f && label < 2147483648.0f) || label != std::trunc(label)) {
            throw data_error(label_path + ": label " + std::to_string(i) + " is " + std::to_string(label) +
                             ", expected a whole class index from 0 to 2147483647");
        }
        ys[i] = static_cast<std::int32_t>(label);
    }
    return result;
}

bool add_channel_axis(dataset& data, const shape& model_input)
{
    const shape sample = data.x.dims().without_batch();
    if (data.x.dims().rank() == 0 || model_input.rank() != sample.rank() + 1 || model_input[sample.rank()] != 1) {
        return false;
    }
    for (std::size_t i = 0; i < sample.rank(); ++i) {
        if (sample[i] != model_input[i]) return false;
    }
    data.x.reshape(model_input.with_batch(data.size()));
    return true;
}

}  // namespace mlrun
