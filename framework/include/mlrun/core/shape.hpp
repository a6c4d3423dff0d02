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

    // "(784,)" / "(28, 28)" as Keras and numpy print shapes.
    std::string to_string() const;

    friend bool operator==(const shape& a, const shape& b) { return a.dims_ == b.dims_; }
    friend bool operator!=(const shape& a, const shape& b) { return !(a == b); }
    friend std::ostream& operator<<(std::ostream& out, const shape& s) { return out << s.to_string(); }

private:
    std::vector<std::int64_t> dims_;
};

}  // namespace mlrun
