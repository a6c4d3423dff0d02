#include "mlrun/checkpoint/model_state.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/layers/plugin_layer.hpp"
#include "metrics/metric_yaml.hpp"
#include "model/model_yaml.hpp"
#include "optim/optimizer_yaml.hpp"

#include <cstring>
#include <set>

namespace mlrun {
namespace {

const char* const iterations_name = "optimizer/iterations";

std::string weight_name(const layer& l, const parameter& p) { return l.name() + "/" + p.name; }

std::string slot_name(const std::string& weight, const std::string& slot) { return "optimizer/" + weight + "/" + slot; }

std::string describe(const tensor& t)
{
    return std::string(dtype_name(t.type())) + " " + t.dims().to_string();
}

// The Keras forms of the plugin layers of `m`, one per class; empty when it has none.
std::string keras_layer_forms(const model& m)
{
    YAML::Node forms(YAML::NodeType::Sequence);
    std::set<std::string> seen;
    for (const model::node& n : m.nodes()) {
        const auto* plugin = dynamic_cast<const plugin_layer*>(n.op.get());
        if (plugin == nullptr) continue;
        const std::optional<keras_layer_form> form = plugin->keras_form();
        if (!form || !seen.insert(form->class_name).second) continue;
        YAML::Node entry;
        entry["class"] = form->class_name;
        entry["keras_class"] = form->keras_class_name;
        entry["keys"] = YAML::Node(YAML::NodeType::Sequence);
        for (const keras_layer_form::key& k : form->keys) {
            YAML::Node key;
            key["name"] = k.name;
            key["keras_name"] = k.keras_name;
            key["kind"] = k.kind;
            entry["keys"].push_back(key);
        }
        forms.push_back(entry);
    }
    return forms.size() == 0 ? std::string() : YAML::Dump(forms);
}

}  // namespace

checkpoint capture_state(const model& m, const optimizer* opt)
{
    checkpoint ckpt;
    std::vector<std::string> weights;  // the trainable ones, which have optimizer slots
    for (const model::node& n : m.nodes()) {
        for (const parameter& p : n.op->parameters()) {
            ckpt.tensors.emplace_back(weight_name(*n.op, p), p.value);
            if (p.trainable && n.op->trainable()) weights.push_back(ckpt.tensors.back().first);
        }
    }
    ckpt.metadata[checkpoint_keys::model_config] = YAML::Dump(encode_model_spec(spec_of(m)));
    if (std::string forms = keras_layer_forms(m); !forms.empty()) {
        ckpt.metadata[checkpoint_keys::keras_layer_forms] = std::move(forms);
    }
    if (opt != nullptr) {
        tensor iterations(dtype::int64, {});
        iterations.data<std::int64_t>()[0] = opt->iterations();
        ckpt.tensors.emplace_back(iterations_name, std::move(iterations));
        const auto& slots = opt->slots();
        const std::vector<std::string> names = opt->slot_names();
        for (std::size_t w = 0; w < weights.size() && w < slots.size(); ++w) {
            for (std::size_t s = 0; s < names.size(); ++s) {
                ckpt.tensors.emplace_back(slot_name(weights[w], names[s]), slots[w][s]);
            }
        }
        YAML::Node config;
        config["name"] = opt->class_name();
        config["config"] = encode_optimizer_settings(opt->config());
        ckpt.metadata[checkpoint_keys::optimizer_config] = YAML::Dump(config);
    }
    return ckpt;
}

std::vector<load_mismatch> restore_state(model& m, optimizer* opt, const checkpoint& ckpt, bool allow_partial,
                                         const std::string& source)
{
    // Pair every expected tensor with the file's, checking before copying
    // anything, so a failed strict load changes nothing.
    struct assignment {
        tensor* target;
        const tensor* source;
    };
    std::vector<assignment> plan;
    std::vector<load_mismatch> mismatches;
    std::set<std::string> used;
    auto expect = [&](const std::string& name, tensor& target) {
        const tensor* found = ckpt.find(name);
        if (found == nullptr) {
            mismatches.push_back({name, "missing from the file (model expects " + describe(target) + ")"});
        } else if (found->type() != target.type() || found->dims() != target.dims()) {
            mismatches.push_back({name, "model expects " + describe(target) + ", file has " + describe(*found)});
            used.insert(name);
        } else {
            plan.push_back({&target, found});
            used.insert(name);
        }
    };
    std::vector<std::string> weights;  // the trainable ones, which have optimizer slots
    for (const model::node& n : m.nodes()) {
        for (parameter& p : n.op->parameters()) {
            expect(weight_name(*n.op, p), p.value);
            if (p.trainable && n.op->trainable()) weights.push_back(weight_name(*n.op, p));
        }
    }
    tensor iterations(dtype::int64, {});
    const bool with_optimizer = opt != nullptr && ckpt.find(iterations_name) != nullptr;
    if (with_optimizer) {
        expect(iterations_name, iterations);
        const std::vector<std::string> names = opt->slot_names();
        auto& slots = opt->slots();
        for (std::size_t w = 0; w < weights.size() && w < slots.size(); ++w) {
            for (std::size_t s = 0; s < names.size(); ++s) expect(slot_name(weights[w], names[s]), slots[w][s]);
        }
    }
    for (const auto& [name, t] : ckpt.tensors) {
        const bool optimizer_state = name.rfind("optimizer/", 0) == 0;
        if (used.count(name) == 0 && !(optimizer_state && !with_optimizer)) {
            mismatches.push_back({name, "in the file but not used by the model (" + describe(t) + ")"});
        }
    }
    if (!mismatches.empty() && !allow_partial) {
        std::string table = source + ": the checkpoint does not match the model (" +
                            std::to_string(mismatches.size()) + " problem(s)):";
        for (const load_mismatch& mm : mismatches) table += "\n  " + mm.tensor + ": " + mm.problem;
        table += "\nnothing was loaded";
        throw model_error(table);
    }
    for (const assignment& a : plan) std::memcpy(a.target->bytes(), a.source->bytes(), a.source->byte_size());
    if (with_optimizer && ckpt.find(iterations_name)->type() == dtype::int64) {
        opt->set_iterations(iterations.data<std::int64_t>()[0]);
    }
    return mismatches;
}

void put_metrics_metadata(std::map<std::string, std::string>& metadata, const std::vector<metric_spec>& metrics,
                          const std::vector<metric_spec>& weighted_metrics)
{
    metadata[checkpoint_keys::metrics] = metrics_text(metrics);
    if (!weighted_metrics.empty()) metadata[checkpoint_keys::weighted_metrics] = metrics_text(weighted_metrics);
}

}  // namespace mlrun
