#include "mlrun/train/resume_state.hpp"

#include "mlrun/config/bounded_yaml.hpp"
#include "mlrun/core/error.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace mlrun {
namespace {

// "f64:" and the IEEE-754 bits in hex: exact, and a plain string to every
// format's metadata encoding (YAML, JSON), infinities included.
std::string hex_double(double value)
{
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    char text[32];
    std::snprintf(text, sizeof text, "f64:%016llx", static_cast<unsigned long long>(bits));
    return text;
}

double parse_hex_double(const YAML::Node& node, const std::string& where)
{
    const std::string text = node.IsScalar() ? node.Scalar() : std::string("(not a scalar)");
    char* end = nullptr;
    const unsigned long long bits = text.rfind("f64:", 0) == 0 ? std::strtoull(text.c_str() + 4, &end, 16) : 0;
    if (text.size() != 20 || end != text.c_str() + text.size()) {
        throw io_error(where + ": expected f64: and 16 hex digits, found '" + text + "'");
    }
    double value = 0.0;
    const std::uint64_t b = bits;
    std::memcpy(&value, &b, sizeof value);
    return value;
}

}  // namespace

std::string format_training_state(const resume_state& state, int epochs_done, std::int64_t iterations,
                                  std::uint64_t seed, std::int64_t batch_size, bool shuffle)
{
    YAML::Node root;
    root["epoch"] = epochs_done;
    root["step"] = iterations;
    root["seed"] = seed;
    root["batch_size"] = batch_size;
    root["shuffle"] = shuffle;
    YAML::Node resume;
    resume["epoch"] = state.position.epoch;
    resume["steps_done"] = state.position.steps_done;
    resume["loss_sum"] = hex_double(state.position.loss_sum);
    YAML::Node counts(YAML::NodeType::Sequence);
    for (const auto& [correct, total] : state.position.metric_counts) {
        YAML::Node pair(YAML::NodeType::Sequence);
        pair.push_back(correct);
        pair.push_back(total);
        counts.push_back(pair);
    }
    resume["metric_counts"] = counts;
    resume["learning_rate"] = hex_double(static_cast<double>(state.learning_rate));
    resume["best"] = hex_double(state.best);
    root["resume"] = resume;
    root["callbacks"] = state.callbacks && state.callbacks.IsMap() ? state.callbacks : YAML::Node(YAML::NodeType::Map);
    return YAML::Dump(root) + "\n";
}

resume_state parse_resume_state(const std::string& training_state, const std::string& source)
{
    const std::string where = source + ": training_state";
    YAML::Node root;
    try {
        root = load_bounded_yaml(training_state);
    } catch (const YAML::Exception& e) {
        throw io_error(where + ": not YAML: " + e.msg);
    }
    const YAML::Node resume = root["resume"];
    if (!resume || !resume.IsMap()) {
        throw io_error(where + ": expected a 'resume' section (written by mlrun's checkpoints since resume exists), found " +
                       std::string(resume ? "something else" : "none"));
    }
    resume_state state;
    try {
        state.position.epoch = resume["epoch"].as<int>();
        state.position.steps_done = resume["steps_done"].as<std::int64_t>();
        state.position.loss_sum = parse_hex_double(resume["loss_sum"], where + ".resume.loss_sum");
        for (const YAML::Node& pair : resume["metric_counts"]) {
            state.position.metric_counts.emplace_back(pair[0].as<std::int64_t>(), pair[1].as<std::int64_t>());
        }
        state.learning_rate = static_cast<float>(parse_hex_double(resume["learning_rate"], where + ".resume.learning_rate"));
        state.best = parse_hex_double(resume["best"], where + ".resume.best");
    } catch (const YAML::Exception& e) {
        throw io_error(where + ".resume: expected epoch, steps_done, loss_sum, metric_counts, learning_rate and best: " + e.msg);
    }
    if (state.position.epoch < 0 || state.position.steps_done < 0) {
        throw io_error(where + ".resume: expected a non-negative epoch and steps_done, found " +
                       std::to_string(state.position.epoch) + " and " + std::to_string(state.position.steps_done));
    }
    state.callbacks = root["callbacks"];
    return state;
}

}  // namespace mlrun
