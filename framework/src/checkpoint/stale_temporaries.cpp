#include "mlrun/checkpoint/stale_temporaries.hpp"

#include <boost/filesystem/operations.hpp>

#include <signal.h>
#include <sys/types.h>

#include <cerrno>
#include <cstdlib>
#include <regex>

namespace fs = boost::filesystem;

namespace mlrun {
namespace {

// The process is gone: not even a zombie answers signal 0.
bool process_gone(long pid) { return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH; }

}  // namespace

int remove_stale_temporaries(const std::string& directory)
{
    static const std::regex temporary(R"(.+\.tmp-([0-9]{1,9})(-[0-9]+)?)");
    int removed = 0;
    boost::system::error_code ec;
    for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        std::smatch match;
        if (!std::regex_match(name, match, temporary)) continue;
        if (!process_gone(std::strtol(match[1].str().c_str(), nullptr, 10))) continue;
        boost::system::error_code ignored;
        if (fs::is_regular_file(it->path(), ignored) && fs::remove(it->path(), ignored)) ++removed;
    }
    return removed;
}

}  // namespace mlrun
