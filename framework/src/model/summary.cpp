// model::summary: the table Keras prints, so its users can read ours.
#include "mlrun/model/model.hpp"

#include <string>
#include <vector>

namespace mlrun {
namespace {

std::string with_thousands(std::int64_t value)
{
    std::string digits = std::to_string(value);
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
    return digits;
}

// Each field is cut or padded to end at its column, as Keras does.
std::string row(const std::vector<std::string>& fields, const std::vector<std::size_t>& ends)
{
    std::string line;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        line += fields[i];
        if (line.size() > ends[i]) line.resize(ends[i] - 1), line += ' ';
        line.resize(ends[i], ' ');
    }
    return line;
}

}  // namespace

void model::summary(std::ostream& out) const
{
    const bool graph = !sequential_;
    const std::vector<std::size_t> ends = graph ? std::vector<std::size_t>{32, 53, 65, 98}
                                                : std::vector<std::size_t>{29, 55, 65};
    const std::size_t width = ends.back();
    const std::string thin(width, '_');
    const std::string thick(width, '=');
    std::vector<std::string> header = {"Layer (type)", "Output Shape", "Param #"};
    if (graph) header.push_back("Connected to");

    out << "Model: \"" << name_ << "\"\n" << thin << "\n" << row(header, ends) << "\n" << thick << "\n";
    // Sequential summaries leave the implicit input out, as Keras does.
    const std::size_t first = graph ? 0 : 1;
    for (std::size_t i = first; i < nodes_.size(); ++i) {
        const node& n = nodes_[i];
        std::vector<std::string> fields = {n.op->name() + " (" + n.op->class_name() + ")",
                                           n.output_shape.with_batch(-1).to_string(),
                                           std::to_string(n.op->parameter_count())};
        if (graph) {
            std::string sources;
            for (std::size_t input : n.inputs) sources += (sources.empty() ? "" : ", ") + nodes_[input].op->name();
            fields.push_back(sources);
        }
        out << row(fields, ends) << "\n" << (i + 1 == nodes_.size() ? thick : thin) << "\n";
    }
    const std::int64_t total = parameter_count();
    const std::int64_t trainable = trainable_parameter_count();
    out << "Total params: " << with_thousands(total) << "\n"
        << "Trainable params: " << with_thousands(trainable) << "\n"
        << "Non-trainable params: " << with_thousands(total - trainable) << "\n"
        << thin << "\n";
}

}  // namespace mlrun
