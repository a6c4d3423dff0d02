#include "mlrun/layers/weight_penalties.hpp"

#include "mlrun/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace mlrun {
namespace {

// Keras's backend epsilon, added to norms before dividing by them.
constexpr double norm_epsilon = 1e-7;

struct named_regularizer {
    const char* name;
    regularizer_kind kind;
};
constexpr named_regularizer regularizers[] = {
    {"l1", regularizer_kind::l1}, {"l2", regularizer_kind::l2}, {"l1_l2", regularizer_kind::l1_l2}};

struct named_constraint {
    const char* name;
    constraint_kind kind;
};
constexpr named_constraint constraints[] = {{"max_norm", constraint_kind::max_norm},
                                            {"non_neg", constraint_kind::non_neg},
                                            {"unit_norm", constraint_kind::unit_norm},
                                            {"min_max_norm", constraint_kind::min_max_norm}};

std::string number_text(float v)
{
    std::string s = std::to_string(v);
    return s;
}

// The new length of a column of length `norm`.
double desired_norm(const constraint_spec& c, double norm)
{
    switch (c.kind) {
    case constraint_kind::max_norm: return std::min(norm, static_cast<double>(c.max_value));
    case constraint_kind::unit_norm: return 1.0;
    case constraint_kind::min_max_norm: {
        const double clipped = std::clamp(norm, static_cast<double>(c.min_value), static_cast<double>(c.max_value));
        return c.rate * clipped + (1.0 - c.rate) * norm;
    }
    case constraint_kind::non_neg: break;
    }
    return norm;
}

}  // namespace

regularizer_spec l1_regularizer(float l1) { return {regularizer_kind::l1, l1, 0.0f}; }
regularizer_spec l2_regularizer(float l2) { return {regularizer_kind::l2, 0.0f, l2}; }
regularizer_spec l1_l2_regularizer(float l1, float l2) { return {regularizer_kind::l1_l2, l1, l2}; }

constraint_spec max_norm_constraint(float max_value, int axis)
{
    constraint_spec c;
    c.kind = constraint_kind::max_norm;
    c.max_value = max_value;
    c.axis = axis;
    return c;
}

constraint_spec non_neg_constraint()
{
    constraint_spec c;
    c.kind = constraint_kind::non_neg;
    return c;
}

constraint_spec unit_norm_constraint(int axis)
{
    constraint_spec c;
    c.kind = constraint_kind::unit_norm;
    c.axis = axis;
    return c;
}

constraint_spec min_max_norm_constraint(float min_value, float max_value, float rate, int axis)
{
    constraint_spec c;
    c.kind = constraint_kind::min_max_norm;
    c.min_value = min_value;
    c.max_value = max_value;
    c.rate = rate;
    c.axis = axis;
    return c;
}

double regularization_penalty(const regularizer_spec& r, std::int64_t n, const float* x)
{
    double abs_sum = 0.0;
    double square_sum = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
        abs_sum += std::fabs(static_cast<double>(x[i]));
        square_sum += static_cast<double>(x[i]) * x[i];
    }
    return static_cast<double>(r.l1) * abs_sum + static_cast<double>(r.l2) * square_sum;
}

void add_regularization_gradient(const regularizer_spec& r, std::int64_t n, const float* x, float scale, float* grad)
{
    const float l1 = scale * r.l1;
    const float l2 = 2.0f * scale * r.l2;
    for (std::int64_t i = 0; i < n; ++i) {
        const float sign = x[i] > 0.0f ? 1.0f : x[i] < 0.0f ? -1.0f : 0.0f;
        grad[i] += l1 * sign + l2 * x[i];
    }
}

void apply_constraint(const constraint_spec& c, tensor& w)
{
    float* v = w.f32();
    const std::int64_t n = w.size();
    if (c.kind == constraint_kind::non_neg) {
        for (std::int64_t i = 0; i < n; ++i) v[i] = v[i] < 0.0f ? 0.0f : v[i];
        return;
    }
    // The weight as [outer, length, inner] around the normalised axis.
    const shape& dims = w.dims();
    const std::size_t axis = static_cast<std::size_t>(c.axis);
    std::int64_t outer = 1;
    std::int64_t inner = 1;
    for (std::size_t d = 0; d < axis; ++d) outer *= dims[d];
    for (std::size_t d = axis + 1; d < dims.rank(); ++d) inner *= dims[d];
    const std::int64_t length = dims.rank() == 0 ? 1 : dims[axis];
    // Kept between calls, so steady-state training allocates nothing.
    static thread_local std::vector<double> squares;
    squares.resize(static_cast<std::size_t>(inner));
    for (std::int64_t o = 0; o < outer; ++o) {
        float* block = v + o * length * inner;
        std::fill(squares.begin(), squares.end(), 0.0);
        for (std::int64_t k = 0; k < length; ++k) {
            for (std::int64_t i = 0; i < inner; ++i) {
                const double x = block[k * inner + i];
                squares[static_cast<std::size_t>(i)] += x * x;
            }
        }
        for (std::int64_t i = 0; i < inner; ++i) {
            const double norm = std::sqrt(squares[static_cast<std::size_t>(i)]);
            const float factor = static_cast<float>(desired_norm(c, norm) / (norm_epsilon + norm));
            for (std::int64_t k = 0; k < length; ++k) block[k * inner + i] *= factor;
        }
    }
}

void check_regularizer(const regularizer_spec& r, const std::string& where)
{
    auto check = [&](float value, const char* key) {
        if (!(std::isfinite(value) && value >= 0.0f)) {
            throw config_error(where + "." + key + ": expected a number >= 0, found " + number_text(value));
        }
    };
    check(r.l1, "l1");
    check(r.l2, "l2");
}

void check_constraint(const constraint_spec& c, const std::string& where)
{
    if (c.kind == constraint_kind::non_neg) return;
    if (c.axis < 0) throw config_error(where + ".axis: expected an axis >= 0, found " + std::to_string(c.axis));
    if (c.kind == constraint_kind::max_norm && !(std::isfinite(c.max_value) && c.max_value >= 0.0f)) {
        throw config_error(where + ".max_value: expected a number >= 0, found " + number_text(c.max_value));
    }
    if (c.kind == constraint_kind::min_max_norm) {
        if (!(c.min_value >= 0.0f && c.min_value <= c.max_value && std::isfinite(c.max_value))) {
            throw config_error(where + ": expected 0 <= min_value <= max_value, found min_value " +
                               number_text(c.min_value) + " and max_value " + number_text(c.max_value));
        }
        if (!(c.rate >= 0.0f && c.rate <= 1.0f)) {
            throw config_error(where + ".rate: expected a number in [0, 1], found " + number_text(c.rate));
        }
    }
}

void check_weight_regularization(const weight_regularization& w, const std::string& where)
{
    if (w.kernel_regularizer) check_regularizer(*w.kernel_regularizer, where + ": kernel_regularizer");
    if (w.bias_regularizer) check_regularizer(*w.bias_regularizer, where + ": bias_regularizer");
    if (w.activity_regularizer) check_regularizer(*w.activity_regularizer, where + ": activity_regularizer");
    if (w.kernel_constraint) check_constraint(*w.kernel_constraint, where + ": kernel_constraint");
    if (w.bias_constraint) check_constraint(*w.bias_constraint, where + ": bias_constraint");
}

std::string regularizer_name(regularizer_kind kind)
{
    for (const auto& r : regularizers) {
        if (r.kind == kind) return r.name;
    }
    return "";
}

std::string constraint_name(constraint_kind kind)
{
    for (const auto& c : constraints) {
        if (c.kind == kind) return c.name;
    }
    return "";
}

std::vector<std::string> regularizer_names()
{
    std::vector<std::string> names;
    for (const auto& r : regularizers) names.emplace_back(r.name);
    return names;
}

std::vector<std::string> constraint_names()
{
    std::vector<std::string> names;
    for (const auto& c : constraints) names.emplace_back(c.name);
    return names;
}

std::vector<key_spec> weight_regularization_keys()
{
    const number_range at_least_zero{0.0, false, std::numeric_limits<double>::infinity(), false};
    const auto regularizer = [&](const char* name, const char* what) {
        key_spec k{name, value_kind::mapping, "", std::string("penalty on ") + what + " added to the loss (l2: " +
                                                      "l2 * sum(x^2); l1: l1 * sum(abs(x))); a name alone takes 0.01"};
        k.optional_section = true;
        k.scalar_shorthand = "class";
        k.children = {{"class", value_kind::string, "", "the regularizer", regularizer_names(), true},
                      with_range({"l1", value_kind::number, "", "L1 factor (l1: 0.01, l1_l2: 0.01 when unset)"},
                                 at_least_zero),
                      with_range({"l2", value_kind::number, "", "L2 factor (l2: 0.01, l1_l2: 0.01 when unset)"},
                                 at_least_zero)};
        return k;
    };
    const auto constraint = [&](const char* name, const char* what) {
        key_spec k{name, value_kind::mapping, "", std::string("projection of ") + what +
                                                      " after every optimizer update"};
        k.optional_section = true;
        k.scalar_shorthand = "class";
        k.children = {{"class", value_kind::string, "", "the constraint", constraint_names(), true},
                      with_range({"max_value", value_kind::number, "",
                                  "largest norm (max_norm: 2, min_max_norm: 1 when unset)"},
                                 at_least_zero),
                      with_range({"min_value", value_kind::number, "", "smallest norm (min_max_norm; 0 when unset)"},
                                 at_least_zero),
                      with_range({"rate", value_kind::number, "",
                                  "how far each norm moves into [min_value, max_value] (min_max_norm; 1 when unset)"},
                                 number_range{0.0, false, 1.0, false}),
                      {"axis", value_kind::integer, "", "the axis norms are taken over (0 when unset)"}};
        return k;
    };
    return {regularizer("kernel_regularizer", "the kernel"), regularizer("bias_regularizer", "the bias"),
            regularizer("activity_regularizer", "the layer's output, divided by the batch size"),
            constraint("kernel_constraint", "the kernel"), constraint("bias_constraint", "the bias")};
}

regularizer_kind parse_regularizer_kind(const std::string& name, const std::string& where)
{
    for (const auto& r : regularizers) {
        if (name == r.name) return r.kind;
    }
    std::string list;
    for (const std::string& n : regularizer_names()) list += (list.empty() ? "" : ", ") + n;
    throw config_error(where + ": unknown regularizer '" + name + "'; known: " + list);
}

constraint_kind parse_constraint_kind(const std::string& name, const std::string& where)
{
    for (const auto& c : constraints) {
        if (name == c.name) return c.kind;
    }
    std::string list;
    for (const std::string& n : constraint_names()) list += (list.empty() ? "" : ", ") + n;
    throw config_error(where + ": unknown constraint '" + name + "'; known: " + list);
}

}  // namespace mlrun
