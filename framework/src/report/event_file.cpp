#include "mlrun/report/event_file.hpp"

#include "mlrun/core/error.hpp"
#include "tensorboard_event.pb.h"

#include <unistd.h>

#include <boost/filesystem/operations.hpp>

#include <algorithm>
#include <chrono>
#include <climits>

namespace mlrun {
namespace {

namespace fs = boost::filesystem;

double now_seconds()
{
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name()
{
    char name[HOST_NAME_MAX + 1] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
    return name;
}

std::string serialize(const tensorboard::Event& event, const std::string& path)
{
    std::string bytes;
    if (!event.SerializeToString(&bytes)) throw io_error(path + ": could not encode an event");
    return bytes;
}

// Creates the file under the first free name, so two runs in one second
// (or a resumed run) never write into each other's file.
std::unique_ptr<record_writer> create_unique(const fs::path& directory)
{
    const std::string base = "events.out.tfevents." + std::to_string(static_cast<long long>(now_seconds())) + "." +
                             host_name();
    for (int attempt = 0; attempt < 1000; ++attempt) {
        const fs::path candidate = directory / (attempt == 0 ? base : base + "." + std::to_string(attempt));
        if (fs::exists(candidate)) continue;
        return std::make_unique<record_writer>(candidate.string());
    }
    throw io_error(directory.string() + ": no free event file name after " + base + ".999");
}

}  // namespace

event_file_writer::event_file_writer(const std::string& directory)
{
    boost::system::error_code ec;
    fs::create_directories(directory, ec);
    if (ec) throw io_error(directory + ": cannot create the log directory: " + ec.message());
    records_ = create_unique(directory);
    tensorboard::Event version;
    version.set_wall_time(now_seconds());
    version.set_file_version("brain.Event:2");
    try {
        records_->write(serialize(version, path()));
    } catch (const io_error&) {
        // An empty event file would only hide a later run's file name.
        boost::system::error_code ignored;
        fs::remove(records_->path(), ignored);
        throw;
    }
}

void event_file_writer::add_scalars(std::int64_t step, const std::vector<std::pair<std::string, float>>& values)
{
    tensorboard::Event event;
    event.set_wall_time(now_seconds());
    event.set_step(step);
    tensorboard::Summary* summary = event.mutable_summary();
    for (const auto& [tag, value] : values) {
        tensorboard::Summary::Value* v = summary->add_value();
        v->set_tag(tag);
        v->set_simple_value(value);
    }
    records_->write(serialize(event, path()));
}

event_file_contents read_event_file(const std::string& path)
{
    event_file_contents contents;
    const std::vector<std::string> records = read_records(path);
    for (std::size_t i = 0; i < records.size(); ++i) {
        tensorboard::Event event;
        if (!event.ParseFromString(records[i])) {
            throw io_error(path + ": record " + std::to_string(i) + ": expected an Event message, found " +
                           std::to_string(records[i].size()) + " undecodable bytes");
        }
        if (i == 0) contents.file_version = event.file_version();
        if (!event.has_summary()) continue;
        for (const tensorboard::Summary::Value& v : event.summary().value()) {
            if (v.value_case() != tensorboard::Summary::Value::kSimpleValue) continue;
            contents.scalars.push_back({event.wall_time(), event.step(), v.tag(), v.simple_value()});
        }
    }
    return contents;
}

std::vector<std::string> event_files_in(const std::string& directory)
{
    std::vector<std::string> files;
    boost::system::error_code ec;
    if (!fs::is_directory(directory, ec)) return files;
    for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
        if (fs::is_regular_file(it->path()) && it->path().filename().string().find("tfevents") != std::string::npos) {
            files.push_back(it->path().string());
        }
    }
    if (ec) throw io_error(directory + ": cannot list: " + ec.message());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace mlrun
