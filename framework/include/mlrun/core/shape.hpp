// A tensor's dimensions, outermost first.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

namespace mlrun {

class shape {
public:
    shape() = default;
    shape(std::initializer_list<std::int64_t> dims) : dims_(dims) {}
    explicit shape(std::vector<std::int64_t> dims) : dims_(std::move(dims)) {}

    std::size_t rank() const { return dims_.size(); }
    std::int64_t operator[](std::size_t axis) const { return dims_[axis]; }
    std::int64_t& operator[](std::size_t axis) { return dims_[axis]; }
    const std::vector<std::int64_t>& dims() const { return dims_; }

    // Product of all dimensions (1 for a scalar).
    std::int64_t element_count() const;

    // This shape with `batch` prepended: per-sample shape -> batch shape.
    shape with_batch(std::int64_t batch) const;
    // This shape without its first dimension.
    shape without_batch() const;

    // Sets the dimensions in place; allocates nothing when the rank does
    // not grow (the training step reshapes its buffers every batch).
    void assign(std::initializer_list<std::int64_t> dims) { dims_.assign(dims); }
    // Whether this batch shape holds samples of shape `sample`, i.e.
    // without_batch() == sample, computed without building a shape.
    bool has_sample_shape(const shape& sample) const;

    // "(784,)" / "(28, 28)" as Keras and numpy print shapes.
    std::string to_string() const;

    friend bool operator==(const shape& a, const shape& b) { return a.dims_ == b.dims_; }
    friend bool operator!=(const shape& a, const shape& b) { return !(a == b); }
    friend std::ostream& operator<<(std::ostream& out, const shape& s) { return out << s.to_string(); }

private:
    std::vector<std::int64_t> dims_;
};

}  // namespace mlrun
