#include "mlrun/callbacks/csv_logger.hpp"

#include "mlrun/core/atomic_file.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/core/text.hpp"

#include <boost/filesystem/operations.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>

namespace mlrun {
namespace {

std::string join(const std::vector<std::string>& cells, const std::string& separator)
{
    std::string text;
    for (const std::string& c : cells) text += (text.empty() ? "" : separator) + c;
    return text;
}

}  // namespace

std::string shortest_decimal(double value)
{
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

csv_logger::csv_logger(const csv_logger_options& options) : options_(options)
{
    if (options_.filename.empty()) throw config_error("CSVLogger: filename: expected a file name, found ''");
}

void csv_logger::on_train_begin(trainer&)
{
    namespace fs = boost::filesystem;
    const fs::path path(options_.filename);
    boost::system::error_code ec;
    if (path.has_parent_path()) {
        fs::create_directories(path.parent_path(), ec);
        if (ec) {
            throw io_error(options_.filename + ": cannot create the directory " + path.parent_path().string() + ": " +
                           ec.message());
        }
    }
    existing_header_.clear();
    columns_.clear();
    file_.reset();
    const bool adding = options_.append && fs::exists(path);
    if (adding) {
        std::ifstream in(options_.filename);
        std::string first;
        if (in && std::getline(in, first) && !first.empty()) existing_header_ = split_fields(first, options_.separator);
    }
    if (!options_.expected_logs.empty()) set_columns(options_.expected_logs);
    // Replaced whole: until the new header is in place, the old log stays.
    if (!adding) write_file_atomically(options_.filename, columns_.empty() ? "" : line(columns_));
    file_ = std::make_unique<appending_file>(options_.filename, appending_file::opening::add_or_create);
    if (adding && !columns_.empty() && existing_header_.empty()) write_line(columns_);
}

void csv_logger::set_columns(std::vector<std::string> names)
{
    std::sort(names.begin(), names.end());
    columns_ = {"epoch"};
    columns_.insert(columns_.end(), names.begin(), names.end());
    if (!existing_header_.empty() && existing_header_ != columns_) {
        const std::string sep(1, options_.separator);
        throw io_error(options_.filename + ": cannot append: the file's columns are " + join(existing_header_, sep) +
                       " but this run logs " + join(columns_, sep) +
                       "; use another path or callbacks.csv_logger.append: false");
    }
}

std::string csv_logger::line(const std::vector<std::string>& cells) const
{
    return join(cells, std::string(1, options_.separator)) + "\n";
}

void csv_logger::write_line(const std::vector<std::string>& cells) { file_->append(line(cells)); }

void csv_logger::on_epoch_end(trainer&, int epoch, const metric_logs& logs)
{
    if (!file_) throw io_error(options_.filename + ": the CSV log is not open (training did not begin)");
    if (columns_.empty()) {
        std::vector<std::string> names;
        for (const auto& [name, value] : logs.values) names.push_back(name);
        set_columns(names);
        if (existing_header_.empty()) write_line(columns_);
    }
    std::vector<std::string> row = {std::to_string(epoch)};
    for (std::size_t i = 1; i < columns_.size(); ++i) {
        const std::optional<double> value = logs.get(columns_[i]);
        row.push_back(value ? shortest_decimal(*value) : "NA");
    }
    write_line(row);
}

void csv_logger::on_train_end(trainer&, const metric_logs&)
{
    file_.reset();
}

}  // namespace mlrun
