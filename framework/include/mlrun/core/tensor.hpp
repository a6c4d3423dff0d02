// A dense, row-major tensor in host memory.
//
// Buffers are 64-byte aligned and keep their capacity when reshaped smaller,
// so a training step that reshapes for the last, shorter batch allocates
// nothing.
#pragma once

#include "mlrun/core/dtype.hpp"
#include "mlrun/core/shape.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace mlrun {

class tensor {
public:
    // No storage until reshape(); used for buffers sized on first use.
    tensor() = default;
    // Zero-filled tensor of the given type and shape.
    tensor(dtype type, mlrun::shape dims);
    explicit tensor(mlrun::shape dims) : tensor(dtype::float32, std::move(dims)) {}

    tensor(const tensor& other);
    tensor& operator=(const tensor& other);
    tensor(tensor&&) noexcept = default;
    tensor& operator=(tensor&&) noexcept = default;

    dtype type() const { return type_; }
    const mlrun::shape& dims() const { return shape_; }
    std::int64_t size() const { return shape_.element_count(); }
    std::size_t byte_size() const { return static_cast<std::size_t>(size()) * dtype_size(type_); }

    // Typed access; throws std::logic_error when T does not match type().
    template <class T> T* data() { check_type(dtype_of<T>()); return reinterpret_cast<T*>(buffer_.get()); }
    template <class T> const T* data() const
    {
        check_type(dtype_of<T>());
        return reinterpret_cast<const T*>(buffer_.get());
    }
    float* f32() { return data<float>(); }
    const float* f32() const { return data<float>(); }
    std::byte* bytes() { return buffer_.get(); }
    const std::byte* bytes() const { return buffer_.get(); }

    // Elements of a string tensor.
    std::vector<std::string>& strings();
    const std::vector<std::string>& strings() const;

    // Changes the shape, keeping the type. Reallocates (losing the contents)
    // only when the new size exceeds the capacity; otherwise the first
    // elements are kept as they were.
    void reshape(const mlrun::shape& dims);
    // The same, from a list such as {batch, units}, without building a
    // temporary shape: no allocation in steady state.
    void reshape(std::initializer_list<std::int64_t> dims);
    // reshape(like) with the first dimension replaced by `batch`.
    void reshape_batch(const mlrun::shape& like, std::int64_t batch);

    void fill_zero();

private:
    struct free_deleter {
        void operator()(std::byte* p) const;
    };
    void allocate(std::size_t bytes);
    void fit_capacity();  // after the shape changed
    void check_type(dtype expected) const;

    dtype type_ = dtype::float32;
    mlrun::shape shape_;
    std::unique_ptr<std::byte[], free_deleter> buffer_;
    std::size_t capacity_bytes_ = 0;
    std::vector<std::string> strings_;
};

}  // namespace mlrun
