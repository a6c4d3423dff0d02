#include "mlrun/core/tensor.hpp"

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

namespace mlrun {
namespace {
constexpr std::size_t alignment = 64;  // a cache line and one AVX-512 vector
}

void tensor::free_deleter::operator()(std::byte* p) const { std::free(p); }

tensor::tensor(dtype type, mlrun::shape dims) : type_(type), shape_(std::move(dims))
{
    for (std::int64_t d : shape_.dims()) {
        if (d < 0) throw std::invalid_argument("tensor: negative dimension in shape " + shape_.to_string());
    }
    if (type_ == dtype::string) {
        strings_.resize(static_cast<std::size_t>(size()));
        return;
    }
    allocate(byte_size());
    fill_zero();
}

tensor::tensor(const tensor& other) : type_(other.type_), shape_(other.shape_), strings_(other.strings_)
{
    // A default-constructed tensor has no storage yet; its copy has none either.
    if (type_ != dtype::string && other.buffer_ != nullptr) {
        allocate(byte_size());
        if (byte_size() > 0) std::memcpy(buffer_.get(), other.buffer_.get(), byte_size());
    }
}

tensor& tensor::operator=(const tensor& other)
{
    if (this != &other) {
        tensor copy(other);
        *this = std::move(copy);
    }
    return *this;
}

void tensor::allocate(std::size_t bytes)
{
    // aligned_alloc needs a size that is a multiple of the alignment.
    const std::size_t rounded = (bytes + alignment - 1) / alignment * alignment;
    if (rounded == 0) {
        buffer_.reset();
        capacity_bytes_ = 0;
        return;
    }
    auto* p = static_cast<std::byte*>(std::aligned_alloc(alignment, rounded));
    if (p == nullptr) throw std::bad_alloc();
    buffer_.reset(p);
    capacity_bytes_ = rounded;
}

void tensor::check_type(dtype expected) const
{
    if (expected != type_) {
        throw std::logic_error("tensor holds " + std::string(dtype_name(type_)) + ", accessed as " +
                               std::string(dtype_name(expected)));
    }
}

std::vector<std::string>& tensor::strings()
{
    check_type(dtype::string);
    return strings_;
}

const std::vector<std::string>& tensor::strings() const
{
    check_type(dtype::string);
    return strings_;
}

void tensor::reshape(const mlrun::shape& dims)
{
    shape_ = dims;
    fit_capacity();
}

void tensor::reshape(std::initializer_list<std::int64_t> dims)
{
    shape_.assign(dims);
    fit_capacity();
}

void tensor::reshape_batch(const mlrun::shape& like, std::int64_t batch)
{
    shape_ = like;
    if (shape_.rank() > 0) shape_[0] = batch;
    fit_capacity();
}

void tensor::fit_capacity()
{
    if (type_ == dtype::string) {
        strings_.resize(static_cast<std::size_t>(size()));
        return;
    }
    if (byte_size() > capacity_bytes_) {
        allocate(byte_size());
        fill_zero();
    }
}

void tensor::fill_zero()
{
    if (type_ == dtype::string) {
        for (auto& s : strings_) s.clear();
    } else if (byte_size() > 0) {
        std::memset(buffer_.get(), 0, byte_size());
    }
}

}  // namespace mlrun
