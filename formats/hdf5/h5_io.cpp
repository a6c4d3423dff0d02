#include "h5_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cstring>
#include <limits>

namespace mlrun::keras_h5 {
namespace {

// Keras keeps every attribute below the object header limit, splitting
// long name lists into numbered parts (its HDF5_OBJECT_HEADER_LIMIT).
constexpr std::size_t attribute_byte_limit = 64512;

h5_id checked(hid_t id, const std::string& what)
{
    if (id < 0) {
        const std::string detail = h5_last_error();
        throw format_error(what + (detail.empty() ? "" : " (" + detail + ")"));
    }
    return h5_id(id);
}

void check(herr_t status, const std::string& what)
{
    if (status < 0) {
        const std::string detail = h5_last_error();
        throw format_error(what + (detail.empty() ? "" : " (" + detail + ")"));
    }
}

herr_t innermost_message(unsigned n, const H5E_error2_t* entry, void* out)
{
    if (n == 0 && entry->desc != nullptr) *static_cast<std::string*>(out) = entry->desc;
    return 0;
}

std::vector<std::int64_t> dimensions(hid_t space, const std::string& where)
{
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 0) throw format_error(where + ": unreadable dataspace");
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(space, dims.data(), nullptr) < 0) {
        throw format_error(where + ": unreadable dataspace");
    }
    std::vector<std::int64_t> result;
    for (hsize_t d : dims) {
        if (d > static_cast<hsize_t>(std::numeric_limits<std::int64_t>::max())) {
            throw format_error(where + ": dimension too large");
        }
        result.push_back(static_cast<std::int64_t>(d));
    }
    return result;
}

// Reads every element of a string attribute, fixed or variable length.
std::vector<std::string> read_strings(hid_t attribute, hid_t file_type, std::size_t count, const std::string& where)
{
    std::vector<std::string> result;
    if (count == 0) return result;
    if (H5Tis_variable_str(file_type) > 0) {
        h5_id memory_type = checked(H5Tcopy(H5T_C_S1), where + ": cannot make a string type");
        check(H5Tset_size(memory_type.get(), H5T_VARIABLE), where + ": cannot make a string type");
        // The library does not convert between character sets; read in the file's own.
        check(H5Tset_cset(memory_type.get(), H5Tget_cset(file_type)), where + ": cannot make a string type");
        std::vector<char*> pointers(count, nullptr);
        check(H5Aread(attribute, memory_type.get(), pointers.data()), where + ": cannot read the strings");
        for (char* p : pointers) result.emplace_back(p != nullptr ? p : "");
        h5_id space = checked(H5Aget_space(attribute), where + ": no dataspace");
        H5Dvlen_reclaim(memory_type.get(), space.get(), H5P_DEFAULT, pointers.data());
        return result;
    }
    const std::size_t width = H5Tget_size(file_type);
    if (width == 0) throw format_error(where + ": fixed-length strings of width 0");
    h5_id memory_type = checked(H5Tcopy(file_type), where + ": cannot copy the string type");
    std::vector<char> buffer(count * width);
    check(H5Aread(attribute, memory_type.get(), buffer.data()), where + ": cannot read the strings");
    const bool space_padded = H5Tget_strpad(file_type) == H5T_STR_SPACEPAD;
    for (std::size_t i = 0; i < count; ++i) {
        const char* begin = buffer.data() + i * width;
        // NULLPAD names that fill the width have no terminator.
        std::string text(begin, strnlen(begin, width));
        if (space_padded) text.erase(text.find_last_not_of(' ') + 1);
        result.push_back(std::move(text));
    }
    return result;
}

struct attribute_contents {
    H5T_class_t type_class;
    std::vector<std::string> strings;
    std::size_t count;
};

attribute_contents read_attribute(hid_t object, const std::string& name, const std::string& where)
{
    const std::string what = where + " attribute '" + name + "'";
    h5_id attribute = checked(H5Aopen(object, name.c_str(), H5P_DEFAULT), what + ": cannot be opened");
    h5_id type = checked(H5Aget_type(attribute.get()), what + ": unreadable type");
    h5_id space = checked(H5Aget_space(attribute.get()), what + ": unreadable dataspace");
    const hssize_t points = H5Sget_simple_extent_npoints(space.get());
    if (points < 0) throw format_error(what + ": unreadable dataspace");
    attribute_contents contents{H5Tget_class(type.get()), {}, static_cast<std::size_t>(points)};
    if (contents.type_class == H5T_STRING) {
        contents.strings = read_strings(attribute.get(), type.get(), contents.count, what);
    }
    return contents;
}

std::string type_description(H5T_class_t type_class)
{
    switch (type_class) {
    case H5T_INTEGER: return "integers";
    case H5T_FLOAT: return "floats";
    case H5T_STRING: return "strings";
    default: return "a compound or other non-string type";
    }
}

// HDF5's signature, at offset 0 or after a user block of 512, 1024, 2048... bytes.
bool has_hdf5_signature(const std::vector<unsigned char>& bytes)
{
    static const unsigned char signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    for (std::size_t at = 0; at + sizeof signature <= bytes.size(); at = at == 0 ? 512 : at * 2) {
        if (std::memcmp(bytes.data() + at, signature, sizeof signature) == 0) return true;
    }
    return false;
}

// The absolute name of `object` in its file ("/model_weights/dense").
std::string name_of(hid_t object)
{
    const ssize_t size = H5Iget_name(object, nullptr, 0);
    if (size <= 0) return "";
    std::string name(static_cast<std::size_t>(size) + 1, '\0');
    H5Iget_name(object, name.data(), name.size());
    name.resize(static_cast<std::size_t>(size));
    return name;
}

std::string joined(const std::string& group, const std::string& path)
{
    return group.empty() || group.back() == '/' ? group + path : group + "/" + path;
}

// Links that are not hard links lead elsewhere: an external link into
// another file (any file the user can read), a soft link, or a
// user-defined link whose behaviour is a library's. Keras writes hard
// links only, so the reader follows nothing else.
void require_hard_link(hid_t group, const std::string& path)
{
    H5L_info_t info{};
    if (H5Lget_info(group, path.c_str(), &info, H5P_DEFAULT) < 0) {
        throw format_error(joined(name_of(group), path) + ": unreadable link");
    }
    if (info.type == H5L_TYPE_HARD) return;
    const std::string kind = info.type == H5L_TYPE_EXTERNAL ? "an external link (to another file)"
                             : info.type == H5L_TYPE_SOFT   ? "a soft link"
                                                            : "a user-defined link";
    throw format_error(joined(name_of(group), path) + ": is " + kind +
                       "; mlrun reads only objects stored in the file itself, as Keras writes them");
}

// The filters Keras files use (h5py's compression="gzip", shuffle=True,
// fletcher32=True). libhdf5 looks for any other filter as a plugin
// library to load, so the reader refuses it by id before reading data.
bool allowed_filter(H5Z_filter_t id)
{
    return id == H5Z_FILTER_DEFLATE || id == H5Z_FILTER_SHUFFLE || id == H5Z_FILTER_FLETCHER32;
}

// deflate's largest expansion: 1032 output bytes per input byte.
constexpr std::size_t deflate_max_ratio = 1032;

// Refuses what would make the read reach outside the file, load code, or
// allocate more than the file can hold: data in other files (external
// storage, a virtual dataset), a filter outside allowed_filter, and a
// declared size the stored bytes cannot produce.
void check_storage(hid_t dataset, hid_t creation, std::size_t declared, const std::vector<std::int64_t>& dims,
                   const std::string& what)
{
    const H5D_layout_t layout = H5Pget_layout(creation);
    if (layout == H5D_VIRTUAL) {
        throw format_error(what + ": is a virtual dataset (its data would come from other files); mlrun reads only "
                                  "data stored in the file itself");
    }
    if (layout != H5D_CONTIGUOUS && layout != H5D_CHUNKED && layout != H5D_COMPACT) {
        throw format_error(what + ": unknown storage layout " + std::to_string(static_cast<int>(layout)));
    }
    const int external = H5Pget_external_count(creation);
    if (external != 0) {
        char name[256] = "";
        off_t offset = 0;
        hsize_t size = 0;
        if (external > 0) H5Pget_external(creation, 0, sizeof name, name, &offset, &size);
        throw format_error(what + ": keeps its data in external storage (file '" + name +
                           "'); mlrun reads only data stored in the file itself");
    }
    const int filters = H5Pget_nfilters(creation);
    if (filters < 0) throw format_error(what + ": unreadable filter pipeline");
    for (int i = 0; i < filters; ++i) {
        unsigned int flags = 0;
        std::size_t values = 0;
        char name[64] = "";
        unsigned int config = 0;
        const H5Z_filter_t id =
            H5Pget_filter2(creation, static_cast<unsigned>(i), &flags, &values, nullptr, sizeof name, name, &config);
        if (!allowed_filter(id)) {
            throw format_error(what + ": uses filter " + std::to_string(id) + (name[0] != '\0' ? std::string(" ('") + name + "')" : "") +
                               "; mlrun reads only the filters Keras files use: deflate, shuffle, fletcher32");
        }
    }
    // A damaged or hostile header can claim any size; trust it only as far
    // as the stored bytes can expand (checked before allocating).
    const std::size_t stored = H5Dget_storage_size(dataset);
    const std::size_t most = filters > 0 && stored <= std::numeric_limits<std::size_t>::max() / deflate_max_ratio
                                 ? stored * deflate_max_ratio
                                 : stored;
    if (declared > most) {
        throw format_error(what + ": declares " + std::to_string(declared) + " bytes of data " + shape_text(dims) +
                           " but the file stores " + std::to_string(stored) +
                           (filters > 0 ? ", which cannot expand to that (deflate expands at most 1032-fold)" : ""));
    }
}

// libhdf5 dlopens a library for a filter it lacks (from HDF5_PLUGIN_PATH
// or its default plugin directory): a file could make it run code. The
// reader allows only built-in filters, so loading is off before any file
// is opened, in this process and in the child that reads first.
void disable_filter_plugins(const std::string& name)
{
    check(H5PLset_loading_state(0), name + ": cannot turn off HDF5 plugin loading");
}

}  // namespace

h5_id& h5_id::operator=(h5_id&& other) noexcept
{
    if (this != &other) {
        reset();
        id_ = other.id_;
        other.id_ = -1;
    }
    return *this;
}

void h5_id::reset()
{
    if (id_ >= 0) H5Idec_ref(id_);
    id_ = -1;
}

h5_quiet::h5_quiet()
{
    H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

h5_quiet::~h5_quiet() { H5Eset_auto2(H5E_DEFAULT, function_, data_); }

std::string h5_last_error()
{
    std::string message;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_message, &message);
    return message;
}

std::vector<unsigned char> read_snapshot(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) throw format_error("no such file");
        throw format_error(std::string("cannot open: ") + std::strerror(errno));
    }
    struct fd_closer {
        int fd;
        ~fd_closer() { ::close(fd); }
    } closer{fd};
    return read_descriptor(fd);
}

std::vector<unsigned char> read_descriptor(int fd)
{
    struct stat info {};
    if (::fstat(fd, &info) != 0) throw format_error(std::string("cannot stat: ") + std::strerror(errno));
    if (S_ISDIR(info.st_mode)) throw format_error("is a directory, not an HDF5 file");
    std::vector<unsigned char> bytes;
    // The size is a hint only (a pipe has none; a file may grow): read to the end.
    bytes.reserve(S_ISREG(info.st_mode) ? static_cast<std::size_t>(info.st_size) : 0);
    unsigned char buffer[1 << 16];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw format_error(std::string("read failed: ") + std::strerror(errno));
        if (n == 0) return bytes;
        bytes.insert(bytes.end(), buffer, buffer + n);
    }
}

h5_id open_file_image(const std::vector<unsigned char>& image, const std::string& name)
{
    if (!has_hdf5_signature(image)) {
        throw format_error("not an HDF5 file (no HDF5 signature in its " + std::to_string(image.size()) + " bytes)");
    }
    disable_filter_plugins(name);
    h5_id access = checked(H5Pcreate(H5P_FILE_ACCESS), name + ": cannot make a file access list");
    check(H5Pset_fapl_core(access.get(), 1 << 16, 0), name + ": cannot use the in-memory driver");
    // The image is copied: the caller's buffer need not outlive the file.
    check(H5Pset_file_image(access.get(), const_cast<unsigned char*>(image.data()), image.size()),
          name + ": cannot hand the image to HDF5");
    // The core driver opens a file of the given name on disk when there is
    // one (and then refuses the image); under /dev/null there never is.
    const std::string image_name = "/dev/null/mlrun-image/" + name;
    return checked(H5Fopen(image_name.c_str(), H5F_ACC_RDONLY, access.get()), "damaged or truncated HDF5 file");
}

bool has_attribute(hid_t object, const std::string& name) { return H5Aexists(object, name.c_str()) > 0; }

bool has_name_list(hid_t object, const std::string& name)
{
    return has_attribute(object, name) || has_attribute(object, name + "0");
}

bool has_path(hid_t group, const std::string& path)
{
    std::string prefix;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t slash = path.find('/', start);
        const std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        prefix += (prefix.empty() ? "" : "/") + part;
        if (part.empty() || H5Lexists(group, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
        require_hard_link(group, prefix);
        if (slash == std::string::npos) return true;
        start = slash + 1;
    }
    return false;
}

h5_id open_group(hid_t parent, const std::string& path, const std::string& where)
{
    if (!has_path(parent, path)) throw format_error(where + ": missing group '" + path + "'");
    return checked(H5Gopen2(parent, path.c_str(), H5P_DEFAULT), where + ": '" + path + "' cannot be opened as a group");
}

std::string read_string_attribute(hid_t object, const std::string& name, const std::string& where)
{
    if (!has_attribute(object, name)) throw format_error(where + ": missing attribute '" + name + "'");
    attribute_contents contents = read_attribute(object, name, where);
    if (contents.type_class != H5T_STRING || contents.count != 1) {
        throw format_error(where + " attribute '" + name + "': expected one string, found " +
                           std::to_string(contents.count) + " " + type_description(contents.type_class));
    }
    return contents.strings[0];
}

std::vector<std::string> read_string_list_attribute(hid_t object, const std::string& name, const std::string& where)
{
    std::vector<std::string> parts;
    if (has_attribute(object, name)) {
        parts.push_back(name);
    } else {
        for (int i = 0; has_attribute(object, name + std::to_string(i)); ++i) parts.push_back(name + std::to_string(i));
        if (parts.empty()) throw format_error(where + ": missing attribute '" + name + "'");
    }
    std::vector<std::string> result;
    for (const std::string& part : parts) {
        attribute_contents contents = read_attribute(object, part, where);
        if (contents.type_class == H5T_STRING) {
            result.insert(result.end(), contents.strings.begin(), contents.strings.end());
        } else if (contents.count != 0) {
            // Only an empty list may be stored as numbers (numpy's float64 default).
            throw format_error(where + " attribute '" + part + "': expected a list of names, found " +
                               std::to_string(contents.count) + " " + type_description(contents.type_class));
        }
    }
    return result;
}

staged_tensor read_dataset(hid_t parent, const std::string& path, const std::string& where)
{
    const std::string what = where + "/" + path;
    if (!has_path(parent, path)) throw format_error(what + ": missing dataset");
    h5_id dataset = checked(H5Dopen2(parent, path.c_str(), H5P_DEFAULT), what + ": cannot be opened as a dataset");
    h5_id type = checked(H5Dget_type(dataset.get()), what + ": unreadable type");
    h5_id space = checked(H5Dget_space(dataset.get()), what + ": unreadable dataspace");
    staged_tensor t;
    t.name = path;
    t.dims = dimensions(space.get(), what);
    hid_t memory_type = -1;
    std::size_t element_size = 0;
    switch (H5Tget_class(type.get())) {
    case H5T_FLOAT:
        t.dtype = MLRUN_DTYPE_FLOAT32;
        memory_type = H5T_NATIVE_FLOAT;
        element_size = sizeof(float);
        break;
    case H5T_INTEGER:
        t.dtype = MLRUN_DTYPE_INT64;
        memory_type = H5T_NATIVE_INT64;
        element_size = sizeof(std::int64_t);
        break;
    default: throw format_error(what + ": expected a float or integer dataset, found another element type");
    }
    const std::int64_t count = t.element_count();
    h5_id creation = checked(H5Dget_create_plist(dataset.get()), what + ": unreadable creation properties");
    check_storage(dataset.get(), creation.get(), static_cast<std::size_t>(count) * H5Tget_size(type.get()), t.dims, what);
    t.bytes.resize(static_cast<std::size_t>(count) * element_size);
    if (count > 0) {
        check(H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.bytes.data()),
              what + ": cannot read the data");
    }
    return t;
}

namespace {

struct member {
    std::string name;
    haddr_t address;
};

// Link addresses are in the 1.10 link info; 1.12 moved them behind tokens
// and kept the old call under a new name.
#if H5_VERSION_GE(1, 12, 0)
using link_info = H5L_info1_t;
herr_t iterate_links(hid_t group, hsize_t* index, H5L_iterate1_t visit, void* data)
{
    return H5Literate1(group, H5_INDEX_NAME, H5_ITER_INC, index, visit, data);
}
#else
using link_info = H5L_info_t;
herr_t iterate_links(hid_t group, hsize_t* index, H5L_iterate_t visit, void* data)
{
    return H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, index, visit, data);
}
#endif

herr_t collect_member(hid_t, const char* name, const link_info* info, void* out)
{
    const haddr_t address = info->type == H5L_TYPE_HARD ? info->u.address : HADDR_MAX;
    static_cast<std::vector<member>*>(out)->push_back({name, address});
    return 0;
}

}  // namespace

std::vector<std::string> members_in_file_order(hid_t group, const std::string& where)
{
    std::vector<member> members;
    hsize_t index = 0;
    check(iterate_links(group, &index, collect_member, &members),
          where + ": cannot list the group");
    std::stable_sort(members.begin(), members.end(),
                     [](const member& a, const member& b) { return a.address < b.address; });
    std::vector<std::string> names;
    for (const member& m : members) names.push_back(m.name);
    return names;
}

h5_id create_file_in_memory(const std::string& name, std::size_t user_block)
{
    // Otherwise default property lists: what h5py writes, superblock
    // version 0, the earliest object formats.
    h5_id creation = checked(H5Pcreate(H5P_FILE_CREATE), name + ": cannot make a file creation property list");
    check(H5Pset_userblock(creation.get(), user_block), name + ": cannot reserve a " + std::to_string(user_block) +
                                                            "-byte user block");
    h5_id access = checked(H5Pcreate(H5P_FILE_ACCESS), name + ": cannot make a file access list");
    check(H5Pset_fapl_core(access.get(), 1 << 20, 0), name + ": cannot use the in-memory driver");
    return checked(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, creation.get(), access.get()), name + ": cannot create");
}

std::vector<unsigned char> file_image(hid_t file, const std::string& name)
{
    check(H5Fflush(file, H5F_SCOPE_GLOBAL), name + ": flushing failed");
    const ssize_t size = H5Fget_file_image(file, nullptr, 0);
    if (size < 0) throw format_error(name + ": cannot take the file's image (" + h5_last_error() + ")");
    std::vector<unsigned char> image(static_cast<std::size_t>(size));
    if (H5Fget_file_image(file, image.data(), image.size()) != size) {
        throw format_error(name + ": cannot take the file's image (" + h5_last_error() + ")");
    }
    // The image starts at the superblock: the user block in front of it,
    // which the superblock's base address accounts for, is the caller's.
    hsize_t user_block = 0;
    h5_id creation = checked(H5Fget_create_plist(file), name + ": unreadable creation properties");
    check(H5Pget_userblock(creation.get(), &user_block), name + ": unreadable user block size");
    image.insert(image.begin(), static_cast<std::size_t>(user_block), 0);
    return image;
}

h5_id create_group(hid_t parent, const std::string& name, const std::string& where)
{
    return checked(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                   where + ": cannot create group '" + name + "'");
}

namespace {

h5_id variable_string_type(string_charset charset, const std::string& where)
{
    h5_id type = checked(H5Tcopy(H5T_C_S1), where + ": cannot make a string type");
    check(H5Tset_size(type.get(), H5T_VARIABLE), where + ": cannot make a string type");
    check(H5Tset_strpad(type.get(), H5T_STR_NULLTERM), where + ": cannot make a string type");
    check(H5Tset_cset(type.get(), charset == string_charset::utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII),
          where + ": cannot make a string type");
    return type;
}

void write_strings(hid_t object, const std::string& name, const std::vector<const char*>& pointers,
                   const std::string& where)
{
    const std::string what = where + " attribute '" + name + "'";
    h5_id type = variable_string_type(string_charset::ascii, what);
    const hsize_t count = pointers.size();
    h5_id space = checked(H5Screate_simple(1, &count, nullptr), what + ": cannot make a dataspace");
    h5_id attribute =
        checked(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), what + ": cannot create");
    check(H5Awrite(attribute.get(), type.get(), pointers.data()), what + ": cannot write");
}

}  // namespace

void write_string_attribute(hid_t object, const std::string& name, const std::string& value, string_charset charset,
                            const std::string& where)
{
    const std::string what = where + " attribute '" + name + "'";
    h5_id type = variable_string_type(charset, what);
    h5_id space = checked(H5Screate(H5S_SCALAR), what + ": cannot make a dataspace");
    h5_id attribute =
        checked(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), what + ": cannot create");
    const char* pointer = value.c_str();
    check(H5Awrite(attribute.get(), type.get(), &pointer), what + ": cannot write");
}

void write_string_list_attribute(hid_t object, const std::string& name, const std::vector<std::string>& values,
                                 const std::string& where)
{
    if (values.empty()) {
        // What numpy makes of an empty list, and so what Keras files hold.
        const hsize_t zero = 0;
        h5_id space = checked(H5Screate_simple(1, &zero, nullptr), where + ": cannot make a dataspace");
        h5_id attribute = checked(H5Acreate2(object, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                                  where + " attribute '" + name + "': cannot create");
        return;
    }
    // Keras measures a list as an array of fixed-width names and splits it
    // into the fewest near-equal parts that each stay under the limit.
    std::size_t width = 0;
    for (const std::string& v : values) width = std::max(width, v.size());
    if (width > attribute_byte_limit) {
        throw format_error(where + " attribute '" + name + "': a name of " + std::to_string(width) +
                           " bytes is longer than the " + std::to_string(attribute_byte_limit) +
                           "-byte limit of an HDF5 attribute");
    }
    const std::size_t n = values.size();
    std::size_t parts = 1;
    while (((n + parts - 1) / parts) * width > attribute_byte_limit) ++parts;
    std::vector<const char*> pointers;
    for (const std::string& v : values) pointers.push_back(v.c_str());
    if (parts == 1) {
        write_strings(object, name, pointers, where);
        return;
    }
    std::size_t begin = 0;
    for (std::size_t p = 0; p < parts; ++p) {
        const std::size_t size = n / parts + (p < n % parts ? 1 : 0);
        std::vector<const char*> part(pointers.begin() + static_cast<long>(begin),
                                      pointers.begin() + static_cast<long>(begin + size));
        write_strings(object, name + std::to_string(p), part, where);
        begin += size;
    }
}

void write_dataset(hid_t parent, const std::string& path, const staged_tensor& t, const std::string& where)
{
    const std::string what = where + "/" + path;
    hid_t file_type = -1;
    hid_t memory_type = -1;
    switch (t.dtype) {
    case MLRUN_DTYPE_FLOAT32: file_type = H5T_IEEE_F32LE, memory_type = H5T_NATIVE_FLOAT; break;
    case MLRUN_DTYPE_INT64: file_type = H5T_STD_I64LE, memory_type = H5T_NATIVE_INT64; break;
    case MLRUN_DTYPE_INT32: file_type = H5T_STD_I32LE, memory_type = H5T_NATIVE_INT32; break;
    case MLRUN_DTYPE_UINT8: file_type = H5T_STD_U8LE, memory_type = H5T_NATIVE_UINT8; break;
    default: throw format_error(what + ": Keras HDF5 files hold numeric tensors only, not strings");
    }
    std::vector<hsize_t> dims(t.dims.begin(), t.dims.end());
    h5_id space = checked(dims.empty() ? H5Screate(H5S_SCALAR)
                                       : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                          what + ": cannot make a dataspace");
    h5_id links = checked(H5Pcreate(H5P_LINK_CREATE), what + ": cannot make a link property list");
    check(H5Pset_create_intermediate_group(links.get(), 1), what + ": cannot make a link property list");
    // No creation times, as h5py 3 writes datasets: the same state gives the same bytes.
    h5_id creation = checked(H5Pcreate(H5P_DATASET_CREATE), what + ": cannot make a dataset property list");
    check(H5Pset_obj_track_times(creation.get(), 0), what + ": cannot turn off timestamps");
    h5_id dataset = checked(
        H5Dcreate2(parent, path.c_str(), file_type, space.get(), links.get(), creation.get(), H5P_DEFAULT),
        what + ": cannot create the dataset");
    if (t.element_count() > 0) {
        check(H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.bytes.data()),
              what + ": cannot write the data");
    }
}

}  // namespace mlrun::keras_h5
