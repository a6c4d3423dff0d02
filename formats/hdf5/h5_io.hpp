// Thin, exception-throwing helpers over the HDF5 C library: owned
// identifiers, quiet error handling, and the few kinds of attributes and
// datasets Keras files use. Every message names the object ("where") it
// was reading or writing.
#pragma once

#include "keras_interop.hpp"

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mlrun::keras_h5 {

// Every part of the plugin throws format_error (keras_interop.hpp); the ABI
// entry points turn it into a status and a message.

// Owns one HDF5 identifier (file, group, dataset, attribute, type, space or
// property list) and releases it when destroyed.
class h5_id {
public:
    h5_id() = default;
    explicit h5_id(hid_t id) : id_(id) {}
    ~h5_id() { reset(); }
    h5_id(const h5_id&) = delete;
    h5_id& operator=(const h5_id&) = delete;
    h5_id(h5_id&& other) noexcept : id_(other.id_) { other.id_ = -1; }
    h5_id& operator=(h5_id&& other) noexcept;

    hid_t get() const { return id_; }
    explicit operator bool() const { return id_ >= 0; }
    void reset();
    // Gives up ownership: the caller closes the identifier.
    hid_t release()
    {
        const hid_t id = id_;
        id_ = -1;
        return id;
    }

private:
    hid_t id_ = -1;
};

// Turns off HDF5's printing of its error stack for the lifetime of the
// object (restoring what was there before): failures become exceptions
// carrying the library's most specific message instead.
class h5_quiet {
public:
    h5_quiet();
    ~h5_quiet();
    h5_quiet(const h5_quiet&) = delete;
    h5_quiet& operator=(const h5_quiet&) = delete;

private:
    H5E_auto2_t function_ = nullptr;
    void* data_ = nullptr;
};

// The innermost message on HDF5's error stack, e.g. "truncated file: eof =
// 2048, sblock->base_addr = 0, stored_eof = 12264"; empty when none.
std::string h5_last_error();

// ---- reading

// The whole of `path`, read through one descriptor: every later check and
// read works on these bytes, so a file swapped or rewritten meanwhile
// cannot reach libhdf5 unchecked. format_error says whether the file is
// missing, a directory or unreadable.
std::vector<unsigned char> read_snapshot(const std::string& path);
// The same for a file already open at `fd`, from its offset to the end.
std::vector<unsigned char> read_descriptor(int fd);
// Opens an HDF5 file held in memory (a snapshot, or a member of a zip
// archive); `name` is used in messages. format_error says whether it is
// not HDF5, or damaged.
h5_id open_file_image(const std::vector<unsigned char>& image, const std::string& name);

bool has_attribute(hid_t object, const std::string& name);
// Whether a name list is there, whole or split into name0, name1...
bool has_name_list(hid_t object, const std::string& name);
// Whether every component of the relative `path` exists below `group`.
bool has_path(hid_t group, const std::string& path);
h5_id open_group(hid_t parent, const std::string& path, const std::string& where);

// A scalar string attribute, fixed or variable length, any character set.
std::string read_string_attribute(hid_t object, const std::string& name, const std::string& where);
// A list of names as Keras stores them: fixed or variable length strings, a
// zero-length float array for an empty list, or split into name0, name1...
// when long.
std::vector<std::string> read_string_list_attribute(hid_t object, const std::string& name, const std::string& where);

// Reads a float dataset as float32 or an integer dataset as int64; the
// tensor is named `path`.
staged_tensor read_dataset(hid_t parent, const std::string& path, const std::string& where);

// Names of the direct members of a group, ordered by their position in
// the file: writers that create objects one after another (h5py does)
// leave them in creation order, which names alone do not give.
std::vector<std::string> members_in_file_order(hid_t group, const std::string& where);

// ---- writing

enum class string_charset { ascii, utf8 };

// A new file held in memory only (libhdf5 never writes to disk, so a full
// disk cannot fail it half-way and leave an identifier it cannot close),
// whose first `user_block` bytes (0, or a power of two >= 512) libhdf5
// leaves to the caller. `name` is used in messages.
h5_id create_file_in_memory(const std::string& name, std::size_t user_block = 0);
// The bytes of such a file, complete: the caller writes them to disk.
std::vector<unsigned char> file_image(hid_t file, const std::string& name);
h5_id create_group(hid_t parent, const std::string& name, const std::string& where);
// A variable-length string scalar of the given character set.
void write_string_attribute(hid_t object, const std::string& name, const std::string& value, string_charset charset,
                            const std::string& where);
// A list of names as tf.keras 2.x writes them: variable-length ASCII
// strings; an empty list as a zero-length float64 array; lists over 64512
// bytes split into name0, name1... as Keras splits them.
void write_string_list_attribute(hid_t object, const std::string& name, const std::vector<std::string>& values,
                                 const std::string& where);
// A contiguous little-endian dataset at relative `path` ("/" makes
// intermediate groups), float32 or int64.
void write_dataset(hid_t parent, const std::string& path, const staged_tensor& t, const std::string& where);

}  // namespace mlrun::keras_h5
