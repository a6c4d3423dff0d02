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

constraint_spec max_norm_constraint(float max_value, int axis) { return max_norm_constraint(max_value, std::vector<int>{axis}); }

constraint_spec max_norm_constraint(float max_value, std::vector<int> axis)
{
    constraint_spec c;
    c.kind = constraint_kind::max_norm;
    c.max_value = max_value;
    c.axis = std::move(axis);
    return c;
}

constraint_spec non_neg_constraint()
{
    constraint_spec c;
    c.kind = constraint_kind::non_neg;
    return c;
}

constraint_spec unit_norm_constraint(int axis) { return unit_norm_constraint(std::vector<int>{axis}); }

constraint_spec unit_norm_constraint(std::vector<int> axis)
{
    constraint_spec c;
    c.kind = constraint_kind::unit_norm;
    c.axis = std::move(axis);
    return c;
}

constraint_spec min_max_norm_constraint(float min_value, float max_value, float rate, int axis)
{
    return min_max_norm_constraint(min_value, max_value, rate, std::vector<int>{axis});
}

constraint_spec min_max_norm_constraint(float min_value, float max_value, float rate, std::vector<int> axis)
{
    constraint_spec c;
    c.kind = constraint_kind::min_max_norm;
    c.min_value = min_value;
    c.max_value = max_value;
    c.rate = rate;
    c.axis = std::move(axis);
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
    // Each element belongs to the norm of its index over the axes kept (those
    // not in c.axis), numbered in row-major order over them: `group` walks
    // the elements in memory order as an odometer of the kept axes.
    const shape& dims = w.dims();
    const std::size_t rank = dims.rank();
    static thread_local std::vector<bool> reduced;
    reduced.assign(rank, false);
    for (int a : c.axis) {
        const int resolved = a < 0 ? a + static_cast<int>(rank) : a;
        if (resolved < 0 || resolved >= static_cast<int>(rank)) {
            throw model_error("constraint axis " + std::to_string(a) + " is not an axis of a weight of shape " +
                              dims.to_string());
        }
        reduced[static_cast<std::size_t>(resolved)] = true;
    }
    // The step of each axis in group numbers (0 for a reduced axis).
    static thread_local std::vector<std::int64_t> group_step;
    static thread_local std::vector<std::int64_t> counter;
    group_step.assign(rank, 0);
    counter.assign(rank, 0);
    std::int64_t groups = 1;
    for (std::size_t d = rank; d-- > 0;) {
        if (reduced[d]) continue;
        group_step[d] = groups;
        groups *= dims[d];
    }
    // Kept between calls, so steady-state training allocates nothing.
    static thread_local std::vector<double> squares;
    static thread_local std::vector<float> factors;
    squares.assign(static_cast<std::size_t>(groups), 0.0);
    factors.resize(static_cast<std::size_t>(groups));
    const auto walk = [&](auto&& visit) {
        std::fill(counter.begin(), counter.end(), 0);
        std::int64_t group = 0;
        for (std::int64_t i = 0; i < n; ++i) {
            visit(i, group);
            // Advance the odometer (last axis fastest), keeping `group` in step.
            for (std::size_t d = rank; d-- > 0;) {
                if (++counter[d] < dims[d]) {
                    group += group_step[d];
                    break;
                }
                group -= group_step[d] * (dims[d] - 1);
                counter[d] = 0;
            }
        }
    };
    walk([&](std::int64_t i, std::int64_t g) {
        squares[static_cast<std::size_t>(g)] += static_cast<double>(v[i]) * v[i];
    });
    for (std::size_t g = 0; g < squares.size(); ++g) {
        const double norm = std::sqrt(squares[g]);
        factors[g] = static_cast<float>(desired_norm(c, norm) / (norm_epsilon + norm));
    }
    walk([&](std::int64_t i, std::int64_t g) { v[i] *= factors[static_cast<std::size_t>(g)]; });
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
    if (c.axis.empty()) throw config_error(where + ".axis: expected an axis or a list of axes, found an empty list");
    for (std::size_t i = 0; i < c.axis.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (c.axis[i] == c.axis[j]) {
                throw config_error(where + ".axis: axis " + std::to_string(c.axis[i]) + " is listed twice");
            }
        }
    }
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

key_spec regularizer_key(const std::string& name, const std::string& what)
{
    const number_range at_least_zero{0.0, false, std::numeric_limits<double>::infinity(), false};
    key_spec k{name, value_kind::mapping, "",
               "penalty on " + what + " added to the loss (l2: l2 * sum(x^2); l1: l1 * sum(abs(x))); a name alone takes 0.01"};
    k.optional_section = true;
    k.scalar_shorthand = "class";
    k.children = {{"class", value_kind::string, "", "the regularizer", regularizer_names(), true},
                  with_range({"l1", value_kind::number, "", "L1 factor (l1: 0.01, l1_l2: 0.01 when unset)"}, at_least_zero),
                  with_range({"l2", value_kind::number, "", "L2 factor (l2: 0.01, l1_l2: 0.01 when unset)"}, at_least_zero)};
    return k;
}

key_spec constraint_key(const std::string& name, const std::string& what)
{
    const number_range at_least_zero{0.0, false, std::numeric_limits<double>::infinity(), false};
    key_spec k{name, value_kind::mapping, "", "projection of " + what + " after every optimizer update"};
    k.optional_section = true;
    k.scalar_shorthand = "class";
    k.children = {{"class", value_kind::string, "", "the constraint", constraint_names(), true},
                  with_range({"max_value", value_kind::number, "", "largest norm (max_norm: 2, min_max_norm: 1 when unset)"},
                             at_least_zero),
                  with_range({"min_value", value_kind::number, "", "smallest norm (min_max_norm; 0 when unset)"},
                             at_least_zero),
                  with_range({"rate", value_kind::number, "",
                              "how far each norm moves into [min_value, max_value] (min_max_norm; 1 when unset)"},
                             number_range{0.0, false, 1.0, false}),
                  {"axis", value_kind::integer_tuple, "",
                   "the axis, or list of axes, norms are taken over (0 when unset; negative: from the last)"}};
    return k;
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
