#include "interop/keras/weight_names.hpp"

#include "interop/keras/format_error.hpp"
#include "interop/keras/weight_penalties.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <map>
#include <regex>

namespace mlrun::interop::keras {
namespace {

// "kernel:0" -> "kernel": TensorFlow's output index is no part of the name.
std::string without_output_index(const std::string& name)
{
    const std::size_t colon = name.rfind(':');
    if (colon == std::string::npos || colon + 1 == name.size()) return name;
    for (std::size_t i = colon + 1; i < name.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(name[i]))) return name;
    }
    return name.substr(0, colon);
}

std::string last_component(const std::string& name)
{
    const std::string plain = without_output_index(name);
    const std::size_t slash = plain.rfind('/');
    return slash == std::string::npos ? plain : plain.substr(slash + 1);
}

// The kind of optimizer slot a name announces, in Keras's words; empty when
// the name says nothing (Keras 2.0-2.2's "Variable_3").
std::string slot_kind(const std::string& name)
{
    const std::string last = last_component(name);
    for (const char* suffix : {"_velocity_hat", "_average_gradient", "_momentum", "_velocity", "_accumulated_delta_var",
                               "_accumulated_grad", "_accumulator", "_norm"}) {
        if (ends_with(last, suffix)) return std::string(suffix + 1);
    }
    for (const char* plain : {"m", "v", "vhat", "momentum", "rms", "mg"}) {
        if (last == plain) return plain;
    }
    static const std::regex numbered("^(m|v|vhat)_[0-9]+(_[0-9]+)*$");  // Keras 2.3: m_0_1
    std::smatch match;
    if (std::regex_match(last, match, numbered)) return match[1];
    return "";
}

// Keras's word for a slot as mlrun names it for this optimizer.
std::string mlrun_slot(const std::string& optimizer, const std::string& kind)
{
    static const std::map<std::string, std::map<std::string, std::string>> table = {
        {"Adam",
         {{"m", "m"}, {"momentum", "m"}, {"v", "v"}, {"velocity", "v"}, {"vhat", "vhat"}, {"velocity_hat", "vhat"}}},
        {"AdamW",
         {{"m", "m"}, {"momentum", "m"}, {"v", "v"}, {"velocity", "v"}, {"vhat", "vhat"}, {"velocity_hat", "vhat"}}},
        {"SGD", {{"momentum", "momentum"}, {"m", "momentum"}}},
        {"RMSprop",
         {{"rms", "rms"}, {"velocity", "rms"}, {"momentum", "momentum"}, {"mg", "mg"}, {"average_gradient", "mg"}}},
        {"Nadam", {{"momentum", "momentum"}, {"velocity", "velocity"}}},
        {"Adagrad", {{"accumulator", "accumulator"}}},
        {"Adadelta", {{"accumulated_grad", "accumulated_grad"}, {"accumulated_delta_var", "accumulated_delta_var"}}},
        {"Adamax", {{"momentum", "momentum"}, {"norm", "norm"}}},
    };
    auto o = table.find(optimizer);
    if (o == table.end()) return "";
    auto k = o->second.find(kind);
    return k == o->second.end() ? "" : k->second;
}

bool is_iteration_counter(const staged_tensor& t)
{
    const std::string last = last_component(t.name);
    return (last == "iterations" || last == "iter" || last == "iteration") && t.element_count() == 1;
}

// The counter as int64, also when an early Keras kept it as a float.
staged_tensor iteration_tensor(const staged_tensor& t, const std::string& where)
{
    staged_tensor out;
    out.name = iterations_name;
    out.dtype = MLRUN_DTYPE_INT64;
    std::int64_t value = 0;
    if (t.dtype == MLRUN_DTYPE_INT64) {
        std::memcpy(&value, t.bytes.data(), sizeof value);
    } else {
        float f = 0.0f;
        std::memcpy(&f, t.bytes.data(), sizeof f);
        if (!(f >= 0.0f) || f != std::floor(f)) {
            throw format_error(where + "/" + t.name + ": iteration counter " + std::to_string(f) + " is not a count");
        }
        value = static_cast<std::int64_t>(f);
    }
    out.bytes.resize(sizeof value);
    std::memcpy(out.bytes.data(), &value, sizeof value);
    return out;
}

std::string join(const std::vector<std::string>& items)
{
    std::string list;
    for (const std::string& i : items) list += (list.empty() ? "" : ", ") + i;
    return list.empty() ? "none" : list;
}

}  // namespace

std::string canonical_weight_name(const std::string& layer, const std::string& keras_name, const std::string& where)
{
    const std::string plain = without_output_index(keras_name);
    std::string weight;
    if (plain.find('/') != std::string::npos) {
        weight = last_component(plain);
    } else {
        // Keras 1: "<layer>_W", "<layer>_b" with no scope.
        weight = starts_with(plain, layer + "_") ? plain.substr(layer.size() + 1) : plain;
        if (weight == "W") weight = "kernel";
        if (weight == "b") weight = "bias";
    }
    if (weight.empty()) throw format_error(where + ": unreadable weight name '" + keras_name + "'");
    return layer + "/" + weight;
}

bool is_trainable_weight(const std::string& canonical_name)
{
    return !ends_with(canonical_name, "/moving_mean") && !ends_with(canonical_name, "/moving_variance");
}

bool is_trainable_weight(const std::string& canonical_name, const std::set<std::string>& frozen)
{
    const std::size_t slash = canonical_name.rfind('/');
    const std::string layer = slash == std::string::npos ? "" : canonical_name.substr(0, slash);
    return is_trainable_weight(canonical_name) && frozen.count(layer) == 0;
}

std::set<std::string> frozen_layers_of(const staged_checkpoint& ckpt)
{
    const std::string* layers = ckpt.meta("model_config");
    if (layers == nullptr) return {};
    return frozen_layers(model_from_layers_yaml(*layers, "metadata model_config"));
}

std::vector<staged_tensor> optimizer_state_from_keras(std::vector<staged_tensor> tensors,
                                                      const std::vector<const staged_tensor*>& weights,
                                                      const compile_spec& compile, const std::string& where)
{
    std::vector<staged_tensor> result;
    std::vector<staged_tensor> slots;
    for (staged_tensor& t : tensors) {
        if (result.empty() && is_iteration_counter(t)) {
            result.push_back(iteration_tensor(t, where));
        } else if (last_component(t.name) == "learning_rate" && t.element_count() == 1) {
            continue;  // Keras 3 keeps the rate as a variable too; training_config has it
        } else if (last_component(t.name) == "u_product" && t.element_count() == 1) {
            continue;  // Nadam's, which follows from the iteration count
        } else {
            slots.push_back(std::move(t));
        }
    }
    if (result.empty()) throw format_error(where + ": no iteration counter among the optimizer weights");

    const std::vector<std::string> expected = compile.slot_names();
    const std::size_t n = weights.size();
    // Which slot each tensor holds: from its name, or by blocks of n.
    std::vector<std::string> slot_of(slots.size());
    std::size_t named = 0;
    for (std::size_t i = 0; i < slots.size(); ++i) {
        const std::string kind = slot_kind(slots[i].name);
        if (kind.empty()) continue;
        slot_of[i] = mlrun_slot(compile.optimizer_class, kind);
        if (slot_of[i].empty()) {
            throw format_error(where + "/" + slots[i].name + ": a '" + kind + "' slot, which " +
                               compile.optimizer_class + " does not have");
        }
        ++named;
    }
    if (named != 0 && named != slots.size()) {
        throw format_error(where + ": some optimizer weights name their slot and some do not; cannot pair them");
    }
    if (named == 0 && !slots.empty()) {
        std::vector<std::string> blocks = expected;
        // Keras 2.1.4-2.2 keep AMSGrad placeholders even with amsgrad off.
        if ((compile.optimizer_class == "Adam" || compile.optimizer_class == "AdamW") && blocks.size() == 2) {
            blocks.emplace_back("vhat");
        }
        if (n == 0 || slots.size() % n != 0 || slots.size() / n > blocks.size()) {
            throw format_error(where + ": " + std::to_string(slots.size()) + " optimizer weights do not divide into " +
                               compile.optimizer_class + " slots (" + join(expected) + ") for " + std::to_string(n) +
                               " trainable weights");
        }
        for (std::size_t i = 0; i < slots.size(); ++i) slot_of[i] = blocks[i / n];
    }
    // Group by slot, keeping the file's order within each.
    std::map<std::string, std::vector<staged_tensor*>> by_slot;
    for (std::size_t i = 0; i < slots.size(); ++i) by_slot[slot_of[i]].push_back(&slots[i]);
    const bool wants_vhat = std::find(expected.begin(), expected.end(), "vhat") != expected.end();
    if (auto vhat = by_slot.find("vhat"); vhat != by_slot.end() && !wants_vhat) {
        for (const staged_tensor* t : vhat->second) {
            if (t->element_count() != 1) {
                throw format_error(where + "/" + t->name + ": AMSGrad state, but the optimizer has amsgrad off");
            }
        }
        by_slot.erase(vhat);  // the placeholders hold nothing
    }
    std::vector<std::string> found;
    for (const auto& [slot, list] : by_slot) found.push_back(slot);
    for (const std::string& slot : expected) {
        if (by_slot.count(slot) == 0 && n > 0) {
            throw format_error(where + ": " + compile.optimizer_class + " needs slots " + join(expected) +
                               " but the file holds " + join(found));
        }
    }
    for (const auto& [slot, list] : by_slot) {
        if (std::find(expected.begin(), expected.end(), slot) == expected.end()) {
            throw format_error(where + ": the file holds '" + slot + "' slots, which " + compile.optimizer_class +
                               " with these settings does not have (" + join(expected) + ")");
        }
        if (list.size() != n) {
            throw format_error(where + ": " + std::to_string(list.size()) + " '" + slot + "' slots for " +
                               std::to_string(n) + " trainable weights");
        }
        for (std::size_t w = 0; w < n; ++w) {
            if (list[w]->dims != weights[w]->dims) {
                throw format_error(where + "/" + list[w]->name + ": slot '" + slot + "' of " + weights[w]->name +
                                   " should have shape " + shape_text(weights[w]->dims) + ", found " +
                                   shape_text(list[w]->dims));
            }
        }
    }
    for (std::size_t w = 0; w < n; ++w) {
        for (const std::string& slot : expected) {
            staged_tensor t = std::move(*by_slot[slot][w]);
            t.name = std::string(optimizer_prefix) + weights[w]->name + "/" + slot;
            result.push_back(std::move(t));
        }
    }
    return result;
}

}  // namespace mlrun::interop::keras
