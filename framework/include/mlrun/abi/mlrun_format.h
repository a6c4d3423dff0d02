/* The format table: what a serialization format plugin implements.
 *
 * A format moves a checkpoint (ordered named tensors plus string metadata,
 * see docs/checkpoint.md for the names) between memory and files. Saving
 * is a transaction: nothing a reader could mistake for a checkpoint exists
 * at `path` until save_commit succeeds, and a failed or aborted save
 * leaves any previous checkpoint at `path` untouched.
 *
 * Errors follow mlrun_abi.h's convention: entries that create or free a
 * handle, and check_save_path, write into the caller's `error` buffer;
 * entries on a handle report through writer_error or reader_error. An
 * entry that is NULL or past struct_size is absent: the host reports the
 * operation as not supported, except where an entry says otherwise.
 */
#ifndef MLRUN_ABI_MLRUN_FORMAT_H
#define MLRUN_ABI_MLRUN_FORMAT_H

#include "mlrun/abi/mlrun_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mlrun_format_writer mlrun_format_writer; /* opaque, owned by the plugin */
typedef struct mlrun_format_reader mlrun_format_reader; /* opaque, owned by the plugin */

/* A borrowed tensor. Numeric tensors: `data` holds byte_size bytes,
 * row-major, little-endian. String tensors (MLRUN_DTYPE_STRING): `data` is
 * an array of element_count `const char*`, with `string_lengths` giving
 * each one's length (strings may hold NUL bytes). */
typedef struct mlrun_tensor_view {
    const char* name;
    int32_t dtype; /* mlrun_dtype */
    int32_t rank;
    const int64_t* dims;
    const void* data;
    uint64_t byte_size;
    const uint64_t* string_lengths;
} mlrun_tensor_view;

/* Where string elements of a tensor being read are delivered, one by one. */
typedef void (*mlrun_string_sink)(void* context, int64_t element, const char* bytes, uint64_t length);

typedef struct mlrun_format_table {
    uint32_t struct_size;

    /* File name suffixes this format recognises, ';'-separated (".h5;.hdf5"),
     * or "" when paths are prefixes (TensorFlow's NAME.index + NAME.data-*). */
    const char* suffixes;

    /* Saving. `options` are borrowed key/value pairs (format specific). */
    mlrun_status (*save_begin)(const char* path, const mlrun_option* options, size_t option_count,
                               mlrun_format_writer** out, char* error, size_t error_size);
    mlrun_status (*save_tensor)(mlrun_format_writer* writer, const mlrun_tensor_view* tensor);
    mlrun_status (*save_metadata)(mlrun_format_writer* writer, const char* key, const char* value);
    /* Makes the checkpoint visible (atomically) and frees the writer, also
     * when it fails; last_error is then read from `error`. */
    mlrun_status (*save_commit)(mlrun_format_writer* writer, char* error, size_t error_size);
    /* Frees the writer and removes everything it wrote. */
    void (*save_abort)(mlrun_format_writer* writer);
    const char* (*writer_error)(mlrun_format_writer* writer);

    /* Reading. open() verifies what it can up front (headers, checksums of
     * the index); read_tensor verifies each tensor's own checksum. */
    mlrun_status (*open)(const char* path, const mlrun_option* options, size_t option_count,
                         mlrun_format_reader** out, char* error, size_t error_size);
    int64_t (*tensor_count)(mlrun_format_reader* reader);
    /* Fills `out` with tensor `index`'s name, dtype, rank and dims; `data`
     * is NULL. Pointers stay valid until close(). */
    mlrun_status (*tensor_info)(mlrun_format_reader* reader, int64_t index, mlrun_tensor_view* out);
    /* Copies numeric tensor `index` into dst (exactly its byte_size bytes). */
    mlrun_status (*read_tensor)(mlrun_format_reader* reader, int64_t index, void* dst, uint64_t dst_size);
    /* Delivers each element of string tensor `index` to `sink`. */
    mlrun_status (*read_strings)(mlrun_format_reader* reader, int64_t index, mlrun_string_sink sink,
                                 void* context);
    int64_t (*metadata_count)(mlrun_format_reader* reader);
    /* Key and value of metadata entry `index`; valid until close(). */
    mlrun_status (*metadata_entry)(mlrun_format_reader* reader, int64_t index, const char** key,
                                   const char** value);
    void (*close)(mlrun_format_reader* reader);
    const char* (*reader_error)(mlrun_format_reader* reader);

    /* Added later: a table whose struct_size ends before these has them
     * absent (flags 0, check_save_path NULL). */
    /* MLRUN_FORMAT_PREFIX_PATHS: a path is a prefix naming several files
     * (TensorFlow's NAME.index + NAME.data-*), chosen when a path has no
     * suffix. Older tables: inferred from an empty `suffixes`.
     * MLRUN_FORMAT_EXPORT_ONLY: files are for other programs (ONNX); the
     * host opens them only to inspect, never as a model or weights to load,
     * and before training it saves the fresh model with option
     * `dry_run=true` (build and check everything, write nothing), since such
     * a format may refuse a model that other formats take.
     * MLRUN_FORMAT_DIRECTORY_PATHS: a model is a directory of files (TF.js's
     * model.json and weight shards); a path ending in '/', or naming an
     * existing directory that holds no checkpoint state file, is this
     * format's, and the plugin resolves it to its files.
     * MLRUN_FORMAT_CHECKS_MODEL: the format may refuse a model other formats
     * take (a layer it has no counterpart for), so before training the host
     * saves the fresh model with `dry_run=true`, as for export-only ones. */
    uint32_t flags;
    /* Whether save_begin would accept `path`, judged by its name alone
     * (writes nothing), so a run can refuse a bad output path before it
     * trains. MLRUN_STATUS_OK, or an error with the reason. NULL: any path. */
    mlrun_status (*check_save_path)(const char* path, char* error, size_t error_size);

    /* ABI 1.1. Opens `path` as open() does, for listing only (mlrun
     * inspect): tensor_info and the metadata entries must work, read_tensor
     * and read_strings may answer MLRUN_STATUS_UNSUPPORTED, so a format can
     * skip reading or checking the data. Close with close(). Absent: the
     * host lists through open(). */
    mlrun_status (*inspect)(const char* path, const mlrun_option* options, size_t option_count,
                            mlrun_format_reader** out, char* error, size_t error_size);
} mlrun_format_table;

#define MLRUN_FORMAT_PREFIX_PATHS 1u
#define MLRUN_FORMAT_EXPORT_ONLY 2u
#define MLRUN_FORMAT_DIRECTORY_PATHS 4u
#define MLRUN_FORMAT_CHECKS_MODEL 8u

#ifdef __cplusplus
}
#endif

#endif
