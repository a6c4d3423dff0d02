// Reading and writing whole Keras files, in every layout the plugin knows:
//
//   legacy HDF5 (.h5): whole model (root attributes + model_weights +
//     optimizer_weights) or weights only (the model_weights layout at the
//     root), as Keras 1, Keras 2, tf.keras and Keras 3 write them;
//   Keras 3 weights (.weights.h5): /layers/<key>/vars/<i>, /optimizer/vars;
//   Keras 3 archives (.keras): a zip of config.json, metadata.json and
//     model.weights.h5.
//
// All three are written: the legacy layout as tf.keras 2.10 or Keras 3.8
// writes it (the format option keras_version), the other two as Keras 3.8.
#pragma once

#include "keras_interop.hpp"
#include "interop/keras/keras3.hpp"

#include <hdf5.h>

#include <functional>
#include <string>
#include <vector>

namespace mlrun::keras_h5 {

// The keras_version written: the layout is tf.keras 2.10's, and Keras's
// loaders read the version to decide how to convert old files.
inline constexpr const char* written_keras_version = "2.10.0";
// The root attribute of a legacy .h5 that lists the Keras forms of its
// plugin layers (the keras_layer_forms metadata); Keras ignores it.
inline constexpr const char* plugin_forms_attribute = "mlrun_keras_layer_forms";

// Reads any layout above into canonical tensors and framework metadata
// (model_config, optimizer_config, loss, metrics, training_state when the
// file has them, plus keras_version, keras_layout and file_checksum).
// format_error names the object that is missing or wrong. Damage never
// crashes the caller: a file mlrun wrote has its checksum block checked
// before libhdf5 opens it (file_seal.hpp); any other file is read in a
// child process first (isolated_read.hpp), which gets `child_seconds` (0:
// 20 s plus 1 s per 16 MiB) before its read counts as hung.
staged_checkpoint read_keras_file(const std::string& path, unsigned child_seconds = 0);
// The same without either guard: libhdf5 reads the bytes in process,
// whatever they are. For tests that show what the guards prevent.
staged_checkpoint read_keras_file_unguarded(const std::string& path);
// The same for a file already read into memory (`path` names it and its
// suffix picks the layout).
staged_checkpoint read_keras_bytes(const std::vector<unsigned char>& bytes, const std::string& path);

// The layouts, for read_keras_file and tests.
void read_legacy_h5(hid_t file, staged_checkpoint& out);
void read_keras3_weights(hid_t file, const std::string& where, const compile_spec* compile, staged_checkpoint& out);
staged_checkpoint read_keras_archive(const std::vector<unsigned char>& bytes, const std::string& path);

// A file whose architecture or compile settings mlrun cannot translate (a
// Lambda layer, an optimizer it lacks) is still readable: its weights can
// be inspected or loaded into a model built otherwise. These record the
// reason as metadata "model_config_error" / "training_config_error"
// instead; load_model reports it. Damage (invalid JSON) still throws.
void translate_architecture(const std::function<model_spec()>& translate, staged_checkpoint& out);
compile_spec translate_compile(const std::function<compile_spec()>& translate, staged_checkpoint& out);

// Which Keras a file is written for: the format option keras_version.
enum class keras_generation { keras2, keras3 };
// Keras 3 for .keras and .weights.h5 (only Keras 3 has them), else Keras 2.
keras_generation default_generation(const std::string& path);
// "2" or "3" ("2.x", "3.x" too); format_error otherwise.
keras_generation parse_keras_version(const std::string& value);

// Throws format_error when `path` cannot be written for `generation`
// (.keras and .weights.h5 are Keras 3's), or a .keras archive is asked to
// hold weights only.
void check_keras_save_path(const std::string& path, keras_generation generation, bool weights_only);
void check_keras_save_path(const std::string& path);

// Writes `ckpt` to `path`: a .keras archive, a Keras 3 .weights.h5, or the
// legacy layout for `generation`: the whole model (needs the model_config
// metadata), or only the weights. Nothing at `path` changes unless the
// whole file was written: the data goes to a temporary file in the same
// directory, synced, then renamed over `path`.
void write_keras_file(const std::string& path, const staged_checkpoint& ckpt, bool weights_only,
                      keras_generation generation);
// The bytes write_keras_file would write: a dry run of a save builds them
// to find what the file cannot hold (a layer without a Keras 3 form)
// before any training.
std::vector<unsigned char> keras_file_image(const std::string& path, const staged_checkpoint& ckpt, bool weights_only,
                                            keras_generation generation);
// The same for the path's default generation.
void write_keras_file(const std::string& path, const staged_checkpoint& ckpt, bool weights_only);

// The parts of Keras 3's own layouts (keras3_writer.cpp): the .weights.h5
// content of an open file, and a whole .keras archive's bytes (`name` for
// messages). A whole checkpoint's .weights.h5 also keeps mlrun's metadata
// (architecture, compile settings, training state) in the root attribute
// "mlrun", which Keras ignores: checkpoints are resumed from.
void write_keras3_weights(hid_t file, const staged_checkpoint& ckpt, bool keep_metadata);
std::vector<unsigned char> keras_archive_image(const staged_checkpoint& ckpt, const std::string& name);

}  // namespace mlrun::keras_h5
