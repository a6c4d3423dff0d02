// mlrun serve DIR [NAME=PATH ...] [--port P]: a small static file server on
// 127.0.0.1 for the TF.js example page (examples/web), which browsers will
// not run from file:// (its fetches of model.json and the shards need
// HTTP). GET and HEAD of regular files only, one request per connection;
// NAME=PATH serves PATH under /NAME/ (the model, the TF.js bundle, data).
#include "commands.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/core/regular_file.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace mlrun::cli {
namespace {

struct mount {
    std::string name;  // first URL segment; "" for DIR itself
    std::string directory;
};

std::string content_type(const std::string& path)
{
    static const std::map<std::string, std::string> types = {
        {".html", "text/html; charset=utf-8"}, {".js", "text/javascript"}, {".json", "application/json"},
        {".css", "text/css"}, {".png", "image/png"}, {".svg", "image/svg+xml"}, {".gz", "application/gzip"}};
    const std::size_t dot = path.rfind('.');
    const auto it = dot == std::string::npos ? types.end() : types.find(path.substr(dot));
    return it == types.end() ? "application/octet-stream" : it->second;
}

// "/a%20b/c" -> "/a b/c"; false for a malformed escape.
bool url_decode(const std::string& in, std::string& out)
{
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (i + 2 >= in.size() || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
            !std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
            return false;
        }
        out += static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16));
        i += 2;
    }
    return true;
}

// The file a URL path names, or "" when it names none it may serve: no
// "..", no NUL, inside a mount.
std::string file_for(const std::string& url_path, const std::vector<mount>& mounts)
{
    std::string path;
    if (!url_decode(url_path.substr(0, url_path.find('?')), path) || path.empty() || path[0] != '/') return "";
    if (path.find('\0') != std::string::npos || ("/" + path + "/").find("/../") != std::string::npos) return "";
    if (path.back() == '/') path += "index.html";
    const std::size_t second = path.find('/', 1);
    const std::string first = second == std::string::npos ? "" : path.substr(1, second - 1);
    for (const mount& m : mounts) {
        if (!m.name.empty() && m.name == first) return m.directory + path.substr(second);
    }
    return mounts.front().directory + path;
}

void send_all(int fd, const std::string& data)
{
    std::size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return;  // the client went away
        sent += static_cast<std::size_t>(n);
    }
}

void respond(int fd, const std::vector<mount>& mounts)
{
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 16384) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) return;
        request.append(buffer, static_cast<std::size_t>(n));
    }
    std::istringstream line(request.substr(0, request.find("\r\n")));
    std::string method, target;
    line >> method >> target;
    auto status = [&](const std::string& code) {
        send_all(fd, "HTTP/1.0 " + code + "\r\nContent-Type: text/plain\r\nContent-Length: " +
                         std::to_string(code.size() + 1) + "\r\nConnection: close\r\n\r\n" + code + "\n");
    };
    if (method != "GET" && method != "HEAD") return status("405 Method Not Allowed");
    const std::string file = file_for(target, mounts);
    struct stat info {};
    if (file.empty() || ::stat(file.c_str(), &info) != 0 || !non_regular_kind(file).empty()) return status("404 Not Found");
    std::ifstream in(file, std::ios::binary);
    const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    send_all(fd, "HTTP/1.0 200 OK\r\nContent-Type: " + content_type(file) + "\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n");
    if (method == "GET") send_all(fd, body);
}

}  // namespace

int serve(const std::vector<std::string>& args, int port)
{
    if (args.empty()) throw usage_error("usage: mlrun serve DIR [NAME=PATH ...] [--port P]  (e.g. mlrun serve examples/web)");
    std::vector<mount> mounts;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::size_t equals = args[i].find('=');
        mount m;
        if (i > 0) {
            if (equals == std::string::npos || equals == 0 || args[i].find('/') < equals) {
                throw usage_error("mlrun serve: '" + args[i] + "': expected NAME=PATH (model=web_model)");
            }
            m.name = args[i].substr(0, equals);
        }
        m.directory = i == 0 ? args[i] : args[i].substr(equals + 1);
        while (m.directory.size() > 1 && m.directory.back() == '/') m.directory.pop_back();
        struct stat info {};
        if (::stat(m.directory.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
            throw usage_error("mlrun serve: '" + m.directory + "' is not a directory");
        }
        mounts.push_back(m);
    }
    if (port < 0 || port > 65535) throw usage_error("--port " + std::to_string(port) + ": expected 0 to 65535");
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) throw io_error(std::string("cannot open a socket: ") + std::strerror(errno));
    const int yes = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // this machine only
    if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener, 16) != 0) {
        const std::string reason = std::strerror(errno);
        ::close(listener);
        throw io_error("cannot serve on 127.0.0.1:" + std::to_string(port) + ": " + reason);
    }
    socklen_t length = sizeof address;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    std::cout << "Serving " << mounts.front().directory << " at http://127.0.0.1:" << ntohs(address.sin_port)
              << "/ (Ctrl-C stops)" << std::endl;
    for (;;) {
        const int client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        const timeval limit{5, 0};  // a silent client cannot hold the server
        ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        respond(client, mounts);
        ::close(client);
    }
}

}  // namespace mlrun::cli
