#include "mlrun/report/run_log.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/core/text.hpp"
#include "mlrun/report/event_file.hpp"

#include <boost/filesystem/operations.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>

namespace mlrun {
namespace {

namespace fs = boost::filesystem;

// Collects (epoch, name, value) in any order; the last value given wins.
class log_builder {
public:
    explicit log_builder(std::string source) : source_(std::move(source)) {}

    void add(int epoch, const std::string& name, double value)
    {
        if (std::find(names_.begin(), names_.end(), name) == names_.end()) names_.push_back(name);
        rows_[epoch][name] = value;
    }

    run_log finish() const
    {
        run_log log;
        log.source = source_;
        log.names = names_;
        for (const auto& [epoch, row] : rows_) {
            log.epochs.push_back(epoch);
            for (const std::string& name : names_) {
                const auto found = row.find(name);
                log.values[name].push_back(found != row.end() ? found->second
                                                              : std::numeric_limits<double>::quiet_NaN());
            }
        }
        return log;
    }

private:
    std::string source_;
    std::vector<std::string> names_;
    std::map<int, std::map<std::string, double>> rows_;
};

char separator_of(const std::string& header)
{
    for (char c : header) {
        const bool name_char = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
        if (!name_char) return c;
    }
    return ',';
}

bool is_number(const std::string& text, double& value)
{
    if (text.empty()) return false;
    char* end = nullptr;
    errno = 0;
    value = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size() && errno != ERANGE;
}

}  // namespace

run_log read_csv_log(const std::string& path)
{
    std::ifstream in(path);
    if (!in) throw io_error(path + ": cannot open: " + std::strerror(errno));
    std::string header;
    if (!std::getline(in, header) || header.empty() || header == "\r") {
        throw io_error(path + ": expected a header line starting with 'epoch', found an empty file");
    }
    const char separator = separator_of(header);
    const std::vector<std::string> columns = split_fields(header, separator);
    if (columns[0] != "epoch") {
        throw io_error(path + ":1: expected the first column to be 'epoch', found '" + columns[0] + "'");
    }
    log_builder log(path);
    std::string line;
    for (int line_number = 2; std::getline(in, line); ++line_number) {
        if (line.empty() || line == "\r") continue;
        const std::vector<std::string> cells = split_fields(line, separator);
        const std::string where = path + ":" + std::to_string(line_number);
        if (cells.size() != columns.size()) {
            throw io_error(where + ": expected " + std::to_string(columns.size()) + " values, found " +
                           std::to_string(cells.size()));
        }
        double epoch = 0.0;
        if (!is_number(cells[0], epoch) || epoch < 0 || epoch != std::floor(epoch) || epoch > 1e9) {
            throw io_error(where + ": epoch: expected an epoch number, found '" + cells[0] + "'");
        }
        for (std::size_t i = 1; i < cells.size(); ++i) {
            if (cells[i] == "NA" || cells[i].empty()) continue;
            double value = 0.0;
            if (!is_number(cells[i], value)) {
                throw io_error(where + ": " + columns[i] + ": expected a number, found '" + cells[i] + "'");
            }
            log.add(static_cast<int>(epoch), columns[i], value);
        }
    }
    return log.finish();
}

run_log read_event_logs(const std::string& log_dir)
{
    log_builder log(log_dir);
    bool found = false;
    for (const std::string split_name : {"train", "validation"}) {
        for (const std::string& file : event_files_in((fs::path(log_dir) / split_name).string())) {
            found = true;
            for (const scalar_event& e : read_event_file(file).scalars) {
                if (e.tag.compare(0, 6, "epoch_") != 0) continue;  // only per-epoch values are curves here
                std::string name = e.tag.substr(6);
                if (name == "learning_rate") name = "lr";
                if (split_name == "validation") name = "val_" + name;
                if (e.step < 0 || e.step > 1000000000) {
                    throw io_error(file + ": " + e.tag + ": expected an epoch as the step, found " +
                                   std::to_string(e.step));
                }
                log.add(static_cast<int>(e.step), name, e.value);
            }
        }
    }
    if (!found) {
        throw io_error(log_dir + ": no event files in " + log_dir + "/train or " + log_dir + "/validation");
    }
    return log.finish();
}

run_log read_run(const std::string& path)
{
    boost::system::error_code ec;
    if (fs::is_regular_file(path, ec)) return read_csv_log(path);
    if (!fs::is_directory(path, ec)) throw io_error(path + ": no such run directory or CSV log");
    std::vector<std::string> csv_files;
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
        if (fs::is_regular_file(it->path()) && it->path().extension() == ".csv") csv_files.push_back(it->path().string());
    }
    if (ec) throw io_error(path + ": cannot list: " + ec.message());
    std::sort(csv_files.begin(), csv_files.end());
    if (csv_files.size() == 1) return read_csv_log(csv_files[0]);
    if (csv_files.size() > 1) {
        std::string list;
        for (const std::string& f : csv_files) list += (list.empty() ? "" : ", ") + f;
        throw io_error(path + ": expected one CSV log, found " + std::to_string(csv_files.size()) + ": " + list +
                       "; name the file instead of the directory");
    }
    if (event_files_in((fs::path(path) / "train").string()).empty() &&
        event_files_in((fs::path(path) / "validation").string()).empty()) {
        throw io_error(path + ": found neither a CSV log (*.csv) nor event files (train/events.out.tfevents.*)");
    }
    return read_event_logs(path);
}

}  // namespace mlrun
