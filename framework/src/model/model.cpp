#include "mlrun/model/model.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/core/rng.hpp"
#include "mlrun/layers/size_limits.hpp"
#include "mlrun/layers/structural_layers.hpp"
#include "mlrun/layers/weight_penalties.hpp"

#include <algorithm>

namespace mlrun {
namespace {

// Every later layer sizes its buffers (and Flatten, Concatenate or Dense
// their shapes) from this one's output, so it is bounded first.
void check_output_size(const layer& op, const shape& output)
{
    const std::optional<std::int64_t> count = checked_element_count(output);
    if (!count || *count > max_sample_elements) {
        const std::string setting = op.size_setting();
        throw model_error("layer '" + op.name() + "' (" + op.class_name() + ")" +
                          (setting.empty() ? "" : ", " + setting) + ": its output of shape " + output.to_string() +
                          (count ? " holds " + std::to_string(*count) + " values per sample"
                                 : std::string(" has no element count that fits in int64")) +
                          "; a layer's output may hold at most " + limit_text(max_sample_elements) + " per sample");
    }
}

}  // namespace

model::model(std::string name, bool sequential, std::vector<node> nodes, std::size_t output)
    : name_(std::move(name)), sequential_(sequential), nodes_(std::move(nodes)), output_(output)
{
    if (nodes_.empty() || dynamic_cast<const input_layer*>(nodes_[0].op.get()) == nullptr) {
        throw model_error("model '" + name_ + "': the first node must be its Input");
    }
    if (output_ >= nodes_.size()) throw model_error("model '" + name_ + "': output node out of range");
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        node& n = nodes_[i];
        if (i > 0 && dynamic_cast<const input_layer*>(n.op.get()) != nullptr) {
            throw model_error("model '" + name_ + "': layer '" + n.op->name() +
                              "' is a second Input; mlrun models take one input");
        }
        const std::size_t count = n.inputs.size();
        if (count < n.op->min_inputs() || count > n.op->max_inputs()) {
            throw model_error("layer '" + n.op->name() + "' (" + n.op->class_name() + ") takes " +
                              std::to_string(n.op->min_inputs()) +
                              (n.op->max_inputs() != n.op->min_inputs() ? " or more" : "") + " input(s), given " +
                              std::to_string(count));
        }
        for (std::size_t input : n.inputs) {
            if (std::count(n.inputs.begin(), n.inputs.end(), input) > 1) {
                throw model_error("layer '" + n.op->name() + "' takes the same input twice");
            }
            if (input >= i) throw model_error("layer '" + n.op->name() + "' uses a layer defined after it");
            nodes_[input].consumers.push_back(i);
        }
    }
}

void model::build(rng& init)
{
    std::vector<shape> input_shapes;
    std::int64_t parameters = 0;
    for (node& n : nodes_) {
        input_shapes.clear();
        for (std::size_t input : n.inputs) input_shapes.push_back(nodes_[input].output_shape);
        try {
            n.output_shape = n.op->build_within(input_shapes, init, max_model_parameters - parameters);
            check_output_size(*n.op, n.output_shape);
        } catch (const model_error& e) {
            if (n.origin.empty()) throw;
            throw model_error(n.origin + ": " + e.what());
        }
        parameters += n.op->parameter_count();
    }
}

const shape& model::input_shape() const { return nodes_[0].output_shape; }

const tensor& model::value_of(std::size_t index) const
{
    return index == 0 ? *batch_input_ : nodes_[index].output;
}

const tensor& model::forward(backend& be, const tensor& x, bool training, std::uint64_t step_seed)
{
    if (!x.dims().has_sample_shape(input_shape())) {
        throw model_error("model '" + name_ + "' expects input samples of shape " + input_shape().to_string() +
                          ", given " + x.dims().without_batch().to_string());
    }
    batch_input_ = &x;
    activity_loss_ = 0.0;
    for (std::size_t i = 1; i < nodes_.size(); ++i) {
        node& n = nodes_[i];
        inputs_scratch_.clear();
        for (std::size_t input : n.inputs) inputs_scratch_.push_back(&value_of(input));
        forward_context ctx{be, training, derive_seed(step_seed, i)};
        n.op->forward(ctx, inputs_scratch_, n.output);
        if (const auto& r = n.op->activity_regularizer()) {
            const std::int64_t batch = std::max<std::int64_t>(n.output.dims()[0], 1);
            activity_loss_ += regularization_penalty(*r, n.output.size(), n.output.f32()) / static_cast<double>(batch);
        }
    }
    return value_of(output_);
}

void model::backward(backend& be) { backward(be, {}); }

void model::backward(backend& be, const std::function<void(std::size_t)>& node_done)
{
    // A node's gradient is complete once every consumer (all later in the
    // order) has run; the first contribution writes it, later ones add.
    std::vector<char>& written = grad_written_;
    written.assign(nodes_.size(), 0);
    written[output_] = 1;
    for (std::size_t i = nodes_.size(); i-- > 1;) {
        node& n = nodes_[i];
        if (!written[i]) {  // not on a path to the output
            if (node_done) node_done(i);
            continue;
        }
        if (const auto& r = n.op->activity_regularizer()) {
            // Its penalty is divided by the batch size, so is its gradient.
            const std::int64_t batch = std::max<std::int64_t>(n.output.dims()[0], 1);
            add_regularization_gradient(*r, n.output.size(), n.output.f32(), 1.0f / static_cast<float>(batch),
                                        n.grad.f32());
        }
        inputs_scratch_.clear();
        grads_scratch_.clear();
        for (std::size_t input : n.inputs) {
            inputs_scratch_.push_back(&value_of(input));
            if (input == 0) {
                grads_scratch_.push_back(nullptr);  // nobody needs the input's gradient
            } else {
                grads_scratch_.push_back(written[input] ? &nodes_[input].grad_scratch : &nodes_[input].grad);
            }
        }
        n.op->backward(be, inputs_scratch_, n.output, n.grad, grads_scratch_);
        for (std::size_t input : n.inputs) {
            if (input == 0) continue;
            node& in = nodes_[input];
            if (written[input]) be.axpby(in.grad.size(), 1.0f, in.grad_scratch.f32(), 1.0f, in.grad.f32());
            written[input] = 1;
        }
        if (node_done) node_done(i);
    }
}

std::vector<parameter*> model::parameters()
{
    std::vector<parameter*> result;
    for (node& n : nodes_) {
        for (parameter& p : n.op->parameters()) result.push_back(&p);
    }
    return result;
}

std::vector<parameter*> model::trainable_parameters()
{
    std::vector<parameter*> result;
    for (node& n : nodes_) {
        if (!n.op->trainable()) continue;
        for (parameter& p : n.op->parameters()) {
            if (p.trainable) result.push_back(&p);
        }
    }
    return result;
}

std::int64_t model::trainable_parameter_count() const
{
    std::int64_t count = 0;
    for (const node& n : nodes_) {
        for (const parameter& p : n.op->parameters()) count += p.trainable && n.op->trainable() ? p.value.size() : 0;
    }
    return count;
}

bool model::has_regularization() const
{
    for (const node& n : nodes_) {
        if (n.op->activity_regularizer()) return true;
        for (const parameter& p : n.op->parameters()) {
            if (p.regularizer) return true;
        }
    }
    return false;
}

double model::regularization_loss() const
{
    double total = activity_loss_;
    for (const node& n : nodes_) {
        if (!n.op->trainable()) continue;  // Keras counts the penalties of trainable weights only
        for (const parameter& p : n.op->parameters()) {
            if (p.trainable && p.regularizer) total += regularization_penalty(*p.regularizer, p.value.size(), p.value.f32());
        }
    }
    return total;
}

// Both run every step, so they walk the nodes instead of building trainable_parameters().
void model::add_regularization_gradients()
{
    for (node& n : nodes_) {
        if (!n.op->trainable()) continue;
        for (parameter& p : n.op->parameters()) {
            if (p.trainable && p.regularizer) {
                add_regularization_gradient(*p.regularizer, p.value.size(), p.value.f32(), 1.0f, p.grad.f32());
            }
        }
    }
}

void model::apply_constraints()
{
    for (node& n : nodes_) {
        if (!n.op->trainable()) continue;
        for (parameter& p : n.op->parameters()) {
            if (p.trainable && p.constraint) apply_constraint(*p.constraint, p.value);
        }
    }
}

std::int64_t model::parameter_count() const
{
    std::int64_t count = 0;
    for (const node& n : nodes_) count += n.op->parameter_count();
    return count;
}

}  // namespace mlrun
