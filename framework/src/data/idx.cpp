#include "mlrun/data/idx.hpp"

#include "mlrun/core/regular_file.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <new>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace mlrun {
namespace {

constexpr std::size_t max_rank = 8;

// Large reads keep the 47 MB MNIST training images to a handful of calls.
constexpr std::size_t chunk_bytes = std::size_t{16} << 20;
constexpr unsigned zlib_buffer_bytes = 1u << 20;

// deflate never expands data by more than about 1032:1, so a gzip file
// cannot hold more than this many times its own size.
constexpr std::uintmax_t max_deflate_ratio = 1032;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw data_error(path + ": " + what);
}

std::string hex_byte(unsigned value) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", value & 0xffu);
    return buf;
}

bool is_known_type(std::uint8_t code) {
    switch (static_cast<idx_type>(code)) {
        case idx_type::u8:
        case idx_type::i8:
        case idx_type::i16:
        case idx_type::i32:
        case idx_type::f32:
        case idx_type::f64:
            return true;
    }
    return false;
}

// out = a * b, or false when the product does not fit in std::size_t.
bool checked_mul(std::size_t a, std::size_t b, std::size_t& out) {
    if (b != 0 && a > std::numeric_limits<std::size_t>::max() / b) return false;
    out = a * b;
    return true;
}

std::string dims_text(const std::vector<std::size_t>& dims) {
    std::string s;
    for (std::size_t i = 0; i < dims.size(); ++i) {
        if (i) s += 'x';
        s += std::to_string(dims[i]);
    }
    return s;
}

bool host_is_little_endian() {
    const std::uint16_t probe = 1;
    unsigned char first = 0;
    std::memcpy(&first, &probe, 1);
    return first == 1;
}

// IDX stores elements big-endian; reversing each element's bytes converts
// between file order and host order on little-endian hosts.
void reverse_elements(std::byte* p, std::size_t n_bytes, std::size_t elem) {
    for (std::size_t i = 0; i + elem <= n_bytes; i += elem) std::reverse(p + i, p + i + elem);
}

// A zlib file handle. zlib reads files without the gzip magic unchanged,
// which gives one code path for raw and compressed files.
class gz_file {
public:
    gz_file(const std::string& path, const char* mode) : path_(path), f_(gzopen(path.c_str(), mode)) {
        if (!f_) {
            const int err = errno;
            throw data_error("cannot open " + path + ": " +
                             (err ? std::strerror(err) : "zlib could not allocate its state"));
        }
        gzbuffer(f_, zlib_buffer_bytes);
    }
    ~gz_file() {
        if (f_) gzclose(f_);
    }
    gz_file(const gz_file&) = delete;
    gz_file& operator=(const gz_file&) = delete;

    // True when the file starts with the gzip magic bytes.
    bool compressed() { return gzdirect(f_) == 0; }

    // Reads up to n bytes; fewer only at the end of the file.
    std::size_t read(void* buf, std::size_t n) {
        auto* out = static_cast<unsigned char*>(buf);
        std::size_t got = 0;
        while (got < n) {
            const auto want = static_cast<unsigned>(std::min(n - got, chunk_bytes));
            const int r = gzread(f_, out + got, want);
            if (r < 0) {
                check_read();
                fail(path_, "read error");
            }
            got += static_cast<std::size_t>(r);
            if (static_cast<unsigned>(r) < want) break;
        }
        // A short read is either the real end or a damaged gzip stream
        // (zlib reports a cut-off stream only here, not via gzread's result).
        check_read();
        return got;
    }

    void write(const void* buf, std::size_t n) {
        const auto* in = static_cast<const unsigned char*>(buf);
        for (std::size_t done = 0; done < n;) {
            const auto step = static_cast<unsigned>(std::min(n - done, chunk_bytes));
            if (gzwrite(f_, in + done, step) != static_cast<int>(step))
                fail(path_, "write error: " + zlib_message());
            done += step;
        }
    }

    // Flushes and closes; only then are all write errors known.
    void close() {
        const int r = gzclose(f_);
        f_ = nullptr;
        if (r == Z_ERRNO) fail(path_, std::string("write error: ") + std::strerror(errno));
        if (r != Z_OK) fail(path_, "write error: zlib error code " + std::to_string(r));
    }

private:
    // Throws when zlib recorded an error; Z_ERRNO means the system call failed.
    void check_read() {
        int err = Z_OK;
        gzerror(f_, &err);
        if (err == Z_OK) return;
        if (err == Z_ERRNO) fail(path_, "read error: " + zlib_message());
        fail(path_, "corrupted gzip stream: " + zlib_message());
    }

    std::string zlib_message() {
        int err = Z_OK;
        const char* msg = gzerror(f_, &err);
        std::string text = msg && *msg ? msg : "unknown zlib error";
        // zlib prefixes its messages with the path; fail() adds our own.
        const std::string prefix = path_ + ": ";
        if (text.compare(0, prefix.size(), prefix) == 0) text.erase(0, prefix.size());
        return text;
    }

    std::string path_;
    gzFile f_;
};

// Most bytes the file can possibly yield; nothing when its size is unknown.
std::optional<std::size_t> readable_bound(const std::string& path, bool compressed) {
    std::error_code ec;
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    const std::uintmax_t max = std::numeric_limits<std::size_t>::max();
    if (ec) return std::nullopt;
    if (!compressed) return static_cast<std::size_t>(std::min(size, max));
    if (size > max / max_deflate_ratio) return static_cast<std::size_t>(max);
    return static_cast<std::size_t>(size * max_deflate_ratio);
}

void read_magic(gz_file& in, const std::string& path, unsigned char head[4]) {
    const std::size_t got = in.read(head, 4);
    if (got == 0) fail(path, "empty file (expected an IDX header)");
    if (head[0] != 0 || (got > 1 && head[1] != 0)) {
        std::string shown = hex_byte(head[0]);
        if (got > 1) shown += " " + hex_byte(head[1]);
        fail(path, "not an IDX file: magic bytes " + shown + " (expected 00 00 then a type code and a rank)");
    }
    if (got < 4) fail(path, "truncated: file ends after " + std::to_string(got) + " of the 4 magic bytes");
    if (!is_known_type(head[2]))
        fail(path, "unknown IDX type code 0x" + hex_byte(head[2]) +
                       " (expected 08 u8, 09 i8, 0b i16, 0c i32, 0d f32 or 0e f64)");
    if (head[3] == 0 || head[3] > max_rank)
        fail(path, "unsupported rank " + std::to_string(head[3]) + " (expected 1 to " +
                       std::to_string(max_rank) + ")");
}

std::vector<std::size_t> read_dims(gz_file& in, const std::string& path, std::size_t rank) {
    unsigned char raw[4 * max_rank];
    const std::size_t got = in.read(raw, 4 * rank);
    if (got < 4 * rank)
        fail(path, "truncated: header has rank " + std::to_string(rank) + " but the file ends after " +
                       std::to_string(got / 4) + " of its dimensions");
    std::vector<std::size_t> dims(rank);
    for (std::size_t i = 0; i < rank; ++i) {
        const unsigned char* b = raw + 4 * i;
        dims[i] = (std::size_t{b[0]} << 24) | (std::size_t{b[1]} << 16) | (std::size_t{b[2]} << 8) | b[3];
    }
    return dims;
}

// "60000x28x28 = 47040000 bytes", or with the type when elements are wider.
std::string size_text(const idx_array& a, std::size_t bytes) {
    std::string s = dims_text(a.dims) + " = ";
    if (idx_element_size(a.type) > 1)
        s += std::to_string(a.element_count()) + " " + idx_type_name(a.type) + " elements = ";
    return s + std::to_string(bytes) + " bytes";
}

}  // namespace

std::size_t idx_element_size(idx_type t) {
    switch (t) {
        case idx_type::u8:
        case idx_type::i8:
            return 1;
        case idx_type::i16:
            return 2;
        case idx_type::i32:
        case idx_type::f32:
            return 4;
        case idx_type::f64:
            return 8;
    }
    throw std::invalid_argument("idx_element_size: not an IDX type code: " +
                                std::to_string(static_cast<unsigned>(t)));
}

const char* idx_type_name(idx_type t) {
    switch (t) {
        case idx_type::u8: return "u8";
        case idx_type::i8: return "i8";
        case idx_type::i16: return "i16";
        case idx_type::i32: return "i32";
        case idx_type::f32: return "f32";
        case idx_type::f64: return "f64";
    }
    throw std::invalid_argument("idx_type_name: not an IDX type code: " +
                                std::to_string(static_cast<unsigned>(t)));
}

std::size_t idx_array::element_count() const {
    if (dims.empty()) return 0;
    std::size_t n = 1;
    for (std::size_t d : dims) n *= d;
    return n;
}

idx_array read_idx(const std::string& path) {
    const std::string kind = non_regular_kind(path);
    if (!kind.empty()) throw data_error(non_regular_message(path, kind));
    gz_file in(path, "rb");
    unsigned char head[4];
    read_magic(in, path, head);

    idx_array a;
    a.type = static_cast<idx_type>(head[2]);
    a.dims = read_dims(in, path, head[3]);

    std::size_t total = idx_element_size(a.type);
    for (std::size_t d : a.dims)
        if (!checked_mul(total, d, total))
            fail(path, "absurd size: header says " + dims_text(a.dims) + " " + idx_type_name(a.type) +
                           " elements, more bytes than memory can address");

    // A header claiming more than the file can hold fails here, before
    // anything that size is allocated.
    const bool compressed = in.compressed();
    const std::optional<std::size_t> bound = readable_bound(path, compressed);
    const std::size_t header_bytes = 4 + 4 * a.dims.size();
    if (bound && !compressed && total > *bound - std::min(*bound, header_bytes)) {
        fail(path, "truncated: header says " + size_text(a, total) + " of data, file has " +
                       std::to_string(*bound - std::min(*bound, header_bytes)));
    }
    if (bound && compressed && total > *bound) {
        fail(path, "truncated: header says " + size_text(a, total) +
                       " of data, more than a gzip file of this size can hold (" + std::to_string(*bound) + " bytes)");
    }
    try {
        if (bound) a.data.reserve(std::min(total, *bound));
    } catch (const std::bad_alloc&) {
        // Grow while reading instead; a lying header then ends as truncated.
    } catch (const std::length_error&) {
    }
    std::size_t have = 0;
    while (have < total) {
        const std::size_t step = std::min(chunk_bytes, total - have);
        a.data.resize(have + step);
        const std::size_t got = in.read(a.data.data() + have, step);
        have += got;
        if (got < step) break;
    }
    if (have < total) {
        fail(path, "truncated: header says " + size_text(a, total) + " of data, file has " + std::to_string(have));
    }

    std::vector<unsigned char> scratch(std::size_t{1} << 16);
    std::size_t extra = 0;
    for (std::size_t got; (got = in.read(scratch.data(), scratch.size())) > 0;) extra += got;
    if (extra)
        fail(path, "trailing garbage: " + std::to_string(extra) + " bytes after the " + size_text(a, total) +
                       " of data the header describes");

    const std::size_t elem = idx_element_size(a.type);
    if (elem > 1 && host_is_little_endian()) reverse_elements(a.data.data(), a.data.size(), elem);
    return a;
}

void write_idx(const std::string& path, const idx_array& a) {
    const std::string what = "cannot write IDX: ";
    if (!is_known_type(static_cast<std::uint8_t>(a.type)))
        fail(path, what + "unknown type code 0x" + hex_byte(static_cast<unsigned>(a.type)));
    if (a.dims.empty() || a.dims.size() > max_rank)
        fail(path, what + "rank " + std::to_string(a.dims.size()) + " (expected 1 to " +
                       std::to_string(max_rank) + ")");
    const std::size_t elem = idx_element_size(a.type);
    std::size_t total = elem;
    for (std::size_t i = 0; i < a.dims.size(); ++i) {
        if (a.dims[i] > 0xffffffffu)
            fail(path, what + "dimension " + std::to_string(i) + " is " + std::to_string(a.dims[i]) +
                           " (expected at most 4294967295)");
        if (!checked_mul(total, a.dims[i], total))
            fail(path, what + "dims " + dims_text(a.dims) + " overflow the addressable size");
    }
    if (a.data.size() != total)
        fail(path, what + "data has " + std::to_string(a.data.size()) + " bytes, dims " + dims_text(a.dims) + " of " +
                       idx_type_name(a.type) + " need " + std::to_string(total));

    std::vector<unsigned char> header{0, 0, static_cast<unsigned char>(a.type),
                                      static_cast<unsigned char>(a.dims.size())};
    for (std::size_t d : a.dims)
        for (int shift = 24; shift >= 0; shift -= 8) header.push_back(static_cast<unsigned char>(d >> shift));

    const bool gzip = path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    gz_file out(path, gzip ? "wb6" : "wbT");  // 'T': plain, uncompressed writes
    try {
        out.write(header.data(), header.size());
        if (elem == 1 || !host_is_little_endian()) {
            out.write(a.data.data(), a.data.size());
        } else {
            // Convert to big-endian a slice at a time to avoid a full copy.
            std::vector<std::byte> slice;
            const std::size_t slice_bytes = (std::size_t{1} << 20) / elem * elem;
            for (std::size_t done = 0; done < total; done += slice_bytes) {
                const std::size_t n = std::min(slice_bytes, total - done);
                slice.assign(a.data.begin() + static_cast<std::ptrdiff_t>(done),
                             a.data.begin() + static_cast<std::ptrdiff_t>(done + n));
                reverse_elements(slice.data(), n, elem);
                out.write(slice.data(), n);
            }
        }
        out.close();
    } catch (...) {
        // Never leave a partial file behind, but leave devices and pipes be.
        std::error_code ec;
        if (std::filesystem::is_regular_file(path, ec)) std::filesystem::remove(path, ec);
        throw;
    }
}

}  // namespace mlrun
