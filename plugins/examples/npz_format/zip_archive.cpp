#include "zip_archive.hpp"

#include <zlib.h>

#include <stdexcept>

namespace npz {
namespace {

constexpr uint32_t local_signature = 0x04034b50;
constexpr uint32_t central_signature = 0x02014b50;
constexpr uint32_t end_signature = 0x06054b50;
constexpr std::size_t end_record_size = 22;

void put16(std::string& out, uint32_t v)
{
    out += static_cast<char>(v & 0xff);
    out += static_cast<char>((v >> 8) & 0xff);
}

void put32(std::string& out, uint32_t v)
{
    put16(out, v & 0xffff);
    put16(out, v >> 16);
}

uint32_t get16(const std::string& in, std::size_t at)
{
    if (at + 2 > in.size()) throw std::runtime_error("zip archive is truncated");
    return static_cast<unsigned char>(in[at]) | static_cast<uint32_t>(static_cast<unsigned char>(in[at + 1])) << 8;
}

uint32_t get32(const std::string& in, std::size_t at) { return get16(in, at) | get16(in, at + 2) << 16; }

uint32_t crc_of(const std::string& data)
{
    return static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

}  // namespace

void zip_writer::add(const std::string& name, const std::string& data)
{
    if (data.size() >= 0xffffffffu || body_.size() + data.size() >= 0xffffffffu) {
        throw std::runtime_error("archive over 4 GiB: this example does not write zip64");
    }
    const entry e{name, crc_of(data), static_cast<uint32_t>(data.size()), static_cast<uint32_t>(body_.size())};
    put32(body_, local_signature);
    put16(body_, 20);  // version needed: 2.0
    put16(body_, 0);   // flags
    put16(body_, 0);   // method: stored
    put16(body_, 0);   // time
    put16(body_, 0x21);  // date: 1980-01-01, so archives are reproducible
    put32(body_, e.crc);
    put32(body_, e.size);
    put32(body_, e.size);
    put16(body_, static_cast<uint32_t>(name.size()));
    put16(body_, 0);  // extra field length
    body_ += name;
    body_ += data;
    entries_.push_back(e);
}

std::string zip_writer::finish() const
{
    std::string out = body_;
    const auto directory_offset = static_cast<uint32_t>(out.size());
    for (const entry& e : entries_) {
        put32(out, central_signature);
        put16(out, 20);  // made by
        put16(out, 20);  // needed
        put16(out, 0);
        put16(out, 0);
        put16(out, 0);
        put16(out, 0x21);
        put32(out, e.crc);
        put32(out, e.size);
        put32(out, e.size);
        put16(out, static_cast<uint32_t>(e.name.size()));
        put16(out, 0);  // extra
        put16(out, 0);  // comment
        put16(out, 0);  // disk
        put16(out, 0);  // internal attributes
        put32(out, 0);  // external attributes
        put32(out, e.offset);
        out += e.name;
    }
    const auto directory_size = static_cast<uint32_t>(out.size() - directory_offset);
    put32(out, end_signature);
    put16(out, 0);
    put16(out, 0);
    put16(out, static_cast<uint32_t>(entries_.size()));
    put16(out, static_cast<uint32_t>(entries_.size()));
    put32(out, directory_size);
    put32(out, directory_offset);
    put16(out, 0);
    return out;
}

std::vector<std::pair<std::string, std::string>> read_zip(const std::string& archive)
{
    if (archive.size() < end_record_size) throw std::runtime_error("too short to be a zip archive");
    // The end record sits at the end, before an optional comment.
    std::size_t end = std::string::npos;
    for (std::size_t at = archive.size() - end_record_size + 1; at-- > 0;) {
        if (get32(archive, at) == end_signature) {
            end = at;
            break;
        }
        if (archive.size() - at > end_record_size + 0xffff) break;
    }
    if (end == std::string::npos) throw std::runtime_error("no zip end record (not a zip archive, or truncated)");
    const uint32_t count = get16(archive, end + 10);
    std::size_t at = get32(archive, end + 16);
    std::vector<std::pair<std::string, std::string>> entries;
    for (uint32_t i = 0; i < count; ++i) {
        if (get32(archive, at) != central_signature) throw std::runtime_error("zip central directory is damaged");
        const uint32_t method = get16(archive, at + 10);
        const uint32_t crc = get32(archive, at + 16);
        const uint32_t size = get32(archive, at + 20);
        const uint32_t name_size = get16(archive, at + 28);
        const uint32_t skip = get16(archive, at + 30) + get16(archive, at + 32);
        const uint32_t local = get32(archive, at + 42);
        if (at + 46 + name_size > archive.size()) throw std::runtime_error("zip central directory is truncated");
        const std::string name = archive.substr(at + 46, name_size);
        if (method != 0) throw std::runtime_error(name + ": compressed entries are not supported (use numpy.savez)");
        if (get32(archive, local) != local_signature) throw std::runtime_error(name + ": local header is damaged");
        const std::size_t data = local + 30 + get16(archive, local + 26) + get16(archive, local + 28);
        if (data + size > archive.size()) throw std::runtime_error(name + ": entry is truncated");
        std::string bytes = archive.substr(data, size);
        if (crc_of(bytes) != crc) throw std::runtime_error(name + ": crc32 mismatch (the archive is damaged)");
        entries.emplace_back(name, std::move(bytes));
        at += 46 + name_size + skip;
    }
    return entries;
}

}  // namespace npz
