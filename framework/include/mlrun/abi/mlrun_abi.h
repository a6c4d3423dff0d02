/* The C boundary every mlrun plugin crosses.
 *
 * Only C types, opaque handles and pointer+count pairs cross it: no C++
 * standard library types, no exceptions. A plugin exports one function,
 * `mlrun_plugin_entry`, that returns a static descriptor; the descriptor's
 * kind says which function table `table` points to.
 *
 * Versioning: a plugin whose abi_major differs from the host's is refused.
 * Within one major version tables only grow at the end; the descriptor and
 * every table start with struct_size, and the host treats the fields past
 * it as absent, so a host of ABI 1.4 takes a 1.0 to 1.3 plugin as it was built.
 * Minor 1 added MLRUN_STATUS_UNSUPPORTED, the backend table's
 * create_reporting and the format table's inspect; minor 2 the backend
 * table's convolution, pooling and normalization kernels; minor 3 its bf16
 * products (mixed_bfloat16) and bf16_native; minor 4 its threads.
 *
 * Errors, the same in every table. An entry that can fail returns an
 * mlrun_status, MLRUN_STATUS_OK (0) on success. Its message lives in
 * memory owned by whoever allocated it, who also frees it:
 *   - an entry that has no handle to keep it (one that creates a handle,
 *     one that frees the handle it is given, check_save_path) writes it
 *     into the caller's buffer `char* error, size_t error_size`: the caller
 *     allocates and frees it; the plugin always NUL-terminates it, cut to
 *     fit;
 *   - an entry on a live handle keeps it in the handle, read with the
 *     table's error entry (last_error, writer_error, reader_error): the
 *     plugin allocates and frees it; it stays valid until the next call on
 *     that handle.
 * Nothing a plugin returns is ever freed by the host, and the reverse.
 */
#ifndef MLRUN_ABI_MLRUN_ABI_H
#define MLRUN_ABI_MLRUN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MLRUN_ABI_MAJOR 1
#define MLRUN_ABI_MINOR 4

/* Name of the exported entry and of the ELF section that lists it, so a
 * library can be recognised without running any of its code. */
#define MLRUN_PLUGIN_ENTRY_NAME "mlrun_plugin_entry"
#define MLRUN_PLUGIN_SECTION "mlrun"

typedef enum mlrun_status {
    MLRUN_STATUS_OK = 0,
    MLRUN_STATUS_INVALID_ARGUMENT = 1,
    /* Not an error: the host falls back to the reference kernel. */
    MLRUN_STATUS_UNIMPLEMENTED = 2,
    MLRUN_STATUS_OUT_OF_MEMORY = 3,
    MLRUN_STATUS_IO_ERROR = 4,
    MLRUN_STATUS_INTERNAL = 5,
    /* ABI 1.1. The plugin does not do this at all (a format without string
     * tensors asked for one); the host says "not supported" and names the
     * plugin. The host treats an absent entry the same way, except where
     * the table says what absent means (kernels, check_save_path, inspect). */
    MLRUN_STATUS_UNSUPPORTED = 6
} mlrun_status;

typedef enum mlrun_plugin_kind {
    MLRUN_PLUGIN_BACKEND = 1,
    MLRUN_PLUGIN_FORMAT = 2,
    MLRUN_PLUGIN_LAYER = 3
} mlrun_plugin_kind;

/* Element types; values are fixed forever (they appear in saved files). */
typedef enum mlrun_dtype {
    MLRUN_DTYPE_FLOAT32 = 1,
    MLRUN_DTYPE_INT64 = 2,
    MLRUN_DTYPE_INT32 = 3,
    MLRUN_DTYPE_UINT8 = 4,
    MLRUN_DTYPE_STRING = 5
} mlrun_dtype;

/* A borrowed key/value pair; the callee copies what it keeps. */
typedef struct mlrun_option {
    const char* key;
    const char* value;
} mlrun_option;

/* What the host tells a plugin when it asks for its descriptor. */
typedef struct mlrun_host_info {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;
    const char* host_version;
} mlrun_host_info;

typedef struct mlrun_plugin_descriptor {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;
    int32_t kind;            /* mlrun_plugin_kind */
    const char* name;        /* unique per kind, e.g. "openblas" */
    const char* version;     /* the plugin's own version, e.g. "1.0.0" */
    const char* description; /* one line for `mlrun plugins` */
    const void* table;       /* mlrun_backend_table* for MLRUN_PLUGIN_BACKEND */
} mlrun_plugin_descriptor;

/* What `mlrun plugins` lists and what the host chooses by, readable from
 * the file without running any of the plugin's code: one record, alone in
 * ELF section MLRUN_PLUGIN_FACTS_SECTION (plugin_author.hpp's
 * MLRUN_*_FACTS macros place it). Fixed layout, no pointers (so nothing
 * needs relocating), every string NUL-terminated inside its field. Later
 * versions only grow at the end; record_size says how far a record goes.
 * When the plugin is loaded the host checks that its descriptor says the
 * same. */
#define MLRUN_PLUGIN_FACTS_SECTION "mlrun_facts"
#define MLRUN_PLUGIN_FACTS_MAGIC "mlrunPF" /* with its NUL, fills magic[8] */
#define MLRUN_PLUGIN_FACTS_VERSION 1

typedef struct mlrun_plugin_facts {
    char magic[8];           /* MLRUN_PLUGIN_FACTS_MAGIC */
    uint32_t record_size;    /* sizeof(mlrun_plugin_facts) of the plugin's header */
    uint16_t record_version; /* MLRUN_PLUGIN_FACTS_VERSION */
    uint16_t abi_major;
    uint16_t abi_minor;
    uint16_t reserved;       /* 0 */
    int32_t kind;            /* mlrun_plugin_kind */
    uint32_t format_flags;   /* formats: mlrun_format_table::flags; others 0 */
    char name[64];
    char version[32];
    char description[192];
    char suffixes[64];       /* formats: as mlrun_format_table::suffixes; others "" */
    char layer_class[64];    /* layers: mlrun_layer_table::class_name; others "" */
} mlrun_plugin_facts;

/* The one symbol a plugin exports. Returns NULL when the plugin cannot run
 * with this host (the host reports the file as skipped). Never throws. */
typedef const mlrun_plugin_descriptor* (*mlrun_plugin_entry_fn)(const mlrun_host_info* host);

#ifdef __cplusplus
}
#endif

#endif
