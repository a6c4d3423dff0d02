// The experiment file's schema: every key, its type, default and meaning.
// configs/README.md is generated from this table (`mlrun config keys`).
#include "experiment/experiment.hpp"

#include "callbacks/callback_schema.hpp"
#include "mlrun/losses/loss.hpp"

namespace mlrun {
namespace {

// The keys `checkpoint` and `save` share: which format writes the file.
key_spec format_key()
{
    return {"format", value_kind::string, "auto",
            "format plugin: tf_checkpoint, hdf5, yaml or another format's name; auto: from the path's suffix "
            "(.h5 hdf5, .yaml yaml, none tf_checkpoint)"};
}

key_spec keras_version_key()
{
    return {"keras_version", value_kind::string, "auto",
            "which Keras an hdf5 file is written for: 2 (tf.keras 2.x's legacy .h5), 3 (Keras 3: .keras, .weights.h5, "
            "or .h5 as Keras 3 writes it); auto: 3 for .keras and .weights.h5, else 2",
            {"auto", "2", "3"}};
}

}  // namespace

const std::vector<key_spec>& experiment_schema()
{
    static const std::vector<key_spec> schema = {
        {"mlrun", value_kind::integer, "1", "version of the experiment format (1)"},
        // `extends` is consumed while composing files (config/compose.hpp); listed for the docs.
        {"extends", value_kind::any, "", "experiment files this one builds on (a name or a list), relative to it"},
        {"seed", value_kind::integer, "42",
         "seed of every random stream: initialisation, shuffling, dropout"},
        {"backend", value_kind::mapping, "", "the compute backend", {}, false,
         {
             {"name", value_kind::string, "reference",
              "backend plugin: reference, openblas, onednn or a plugin's name (`mlrun plugins` lists them)"},
             {"threads", value_kind::integer, "0", "threads the backend may use; 0 means one per core"},
             {"bf16", value_kind::string, "emulate",
              "where the CPU or backend has no native bf16 (model.dtype_policy: mixed_bfloat16): emulate it "
              "(inputs rounded to bf16, float32 kernels; said once) or refuse to train (native_only)",
              {"emulate", "native_only"}},
         },
         "name"},
        {"distributed", value_kind::mapping, "", "data-parallel training over several processes (docs/distributed.md)", {}, false,
         {
             {"backend", value_kind::string, "auto",
              "auto: MPI when started by mpirun with more than one process; none: one process; mpi: MPI (distributed=mpi)",
              {"auto", "none", "mpi"}},
             {"bucket_kib", value_kind::integer, "4096",
              "gradients are summed across ranks in buckets of about this many KiB, each started as soon as backward has written it"},
             {"overlap", value_kind::boolean, "true",
              "start each bucket's sum during backward; false: all of them after it"},
             {"check_weights", value_kind::boolean, "true",
              "after every epoch, compare a checksum of the weights across ranks and stop if they differ"},
         },
         "backend"},
        {"plugins", value_kind::mapping, "", "where plugins are searched", {}, false,
         {
             {"search_paths", value_kind::string_list, "[]",
              "directories searched after --plugin-dir and MLRUN_PLUGIN_PATH (relative ones from the directory of the file that sets them)"},
         }},
        {"data", value_kind::mapping, "", "the data set", {}, false,
         {
             {"dataset", value_kind::string, "mnist", "mnist, fashion_mnist, or idx for any four IDX files", {"mnist", "fashion_mnist", "idx"}},
             {"path", value_kind::string, "''",
              "directory of the IDX files (default: data/mnist, /usr/share/datasets/fashion-mnist)"},
             {"train", value_kind::mapping, "", "the training split", {}, false,
              {
                  {"take", value_kind::integer, "0", "use only the first N samples (0: all)"},
                  {"images", value_kind::string, "train-images-idx3-ubyte.gz", "IDX file of the inputs"},
                  {"labels", value_kind::string, "train-labels-idx1-ubyte.gz", "IDX file of the labels"},
                  {"sample_weight", value_kind::string, "''",
                   ".npy or .csv file of one loss weight per sample (relative to data.path, or absolute); empty: all 1"},
              }},
             {"test", value_kind::mapping, "", "the test split", {}, false,
              {
                  {"take", value_kind::integer, "0", "use only the first N samples (0: all)"},
                  {"images", value_kind::string, "t10k-images-idx3-ubyte.gz", "IDX file of the inputs"},
                  {"labels", value_kind::string, "t10k-labels-idx1-ubyte.gz", "IDX file of the labels"},
                  {"sample_weight", value_kind::string, "''",
                   ".npy or .csv file of one loss weight per sample, for validation on it; empty: all 1"},
              }},
             {"scale", value_kind::number, "255", "inputs are divided by this (255 maps bytes to [0, 1])"},
             {"flatten", value_kind::boolean, "false", "reshape each sample to one axis (28x28 -> 784)"},
         }},
        {"model", value_kind::mapping, "", "the model: its layers (see 'Model' below) and their dtype policy", {}, true,
         {
             {"layers", value_kind::any, "", "the layers; see 'Model' below", {}, true},
             {"dtype_policy", value_kind::string, "float32",
              "Keras's global dtype policy: mixed_bfloat16 computes the products of Dense and the convolutions "
              "in bf16 (float32 sums, weights and optimizer state; docs/mixed-precision.md); a layer's own "
              "dtype_policy wins",
              {"float32", "mixed_bfloat16"}},
         },
         "", false, {}, "layers"},
        {"compile", value_kind::mapping, "", "loss, optimizer and metrics", {}, false,
         {
             {"optimizer", value_kind::any, "adam",
              "adam, adamw, sgd, rmsprop, nadam, adagrad, adadelta or adamax, or a mapping of one of them to its "
              "settings"},
             {"loss", value_kind::any, "", "the loss to minimise: a name, or a mapping of one name to its settings", {}, true},
             {"metrics", value_kind::any, "[]",
              "metrics to report besides the loss: a list of names, or of mappings of a name to its settings"},
             {"weighted_metrics", value_kind::any, "[]",
              "metrics as in metrics, each sample counted by its sample weight (and class weight); a name that "
              "metrics logs already is logged as weighted_<name>"},
         }},
        {"fit", value_kind::mapping, "", "the training loop", {}, false,
         {
             {"epochs", value_kind::integer, "1", "number of passes over the training data"},
             {"batch_size", value_kind::integer, "32", "samples per gradient step"},
             {"shuffle", value_kind::boolean, "true", "shuffle the training data before each epoch"},
             {"validation", value_kind::string, "none", "evaluate on this split after each epoch",
              {"none", "test"}},
             with_range({"validation_split", value_kind::number, "0",
                         "the last fraction of the training samples (before shuffling) validates instead of "
                         "training, as Keras's validation_split; not with validation: test"},
                        number_range{0.0, false, 1.0, true}),
             {"class_weight", value_kind::mapping, "{}",
              "class index -> weight of its samples' loss, e.g. {0: 1, 1: 5}; classes not named weigh 1; "
              "not with data.train.sample_weight"},
             {"verbose", value_kind::string, "auto",
              "0 silent, 1 progress bar, 2 one line per epoch; auto: 1 on a terminal, else 2",
              {"auto", "0", "1", "2"}},
             {"initial_epoch", value_kind::integer, "0", "epoch to start at (epochs already done)"},
             {"resume", value_kind::string, "never",
              "auto: go on from the latest checkpoint of checkpoint.path's directory (as --resume); see docs/resume.md",
              {"never", "auto"}},
             {"resume_fallback", value_kind::boolean, "false",
              "when the latest checkpoint is damaged, resume from the newest good one (as --resume=fallback)"},
             {"on_signal", value_kind::string, "save_and_exit",
              "on SIGTERM/SIGINT: save a checkpoint at the next step and exit (130 SIGINT, 143 SIGTERM), or just exit",
              {"save_and_exit", "exit"}},
             {"terminate_on_nan", value_kind::boolean, "true",
              "stop at the first step whose loss is NaN or infinite, before anything is saved (exit 8); false: warn once and go on"},
         }},
        {"checkpoint", value_kind::mapping, "", "when and where checkpoints are saved during fit (Keras's ModelCheckpoint)", {}, false,
         {
             {"path", value_kind::string, "''",
              "where to save; may use {epoch:04d}, {step}, {batch} (with every: N steps) and logged metrics such as "
              "{val_loss:.2f}; empty: no checkpoints"},
             format_key(),
             keras_version_key(),
             {"save_weights_only", value_kind::boolean, "true",
              "weights and optimizer state (as Keras's save_weights); false also stores loss, metrics and the epoch"},
             {"every", value_kind::string, "1 epoch",
              "how often, with its unit: '1 epoch', '5 epochs', '500 steps', or a time checked after each step: '30 min', '2 h', '90 s'"},
             {"save_best_only", value_kind::boolean, "false", "save only when `monitor` improves on the best so far"},
             {"monitor", value_kind::string, "val_loss", "the logged metric save_best_only watches"},
             {"mode", value_kind::string, "auto", "whether smaller or larger `monitor` is better; auto: larger for accuracy",
              {"auto", "min", "max"}},
             {"verbose", value_kind::integer, "0", "1 prints a line per save: 'Epoch 5: saving model to ...'", {"0", "1"}},
             {"keep_last", value_kind::integer, "5",
              "how many checkpoints to keep; older ones are deleted after the state file stops naming them; 0 keeps all"},
             {"keep_best", value_kind::integer, "0",
              "also keep this many with the best `monitor` (by `mode`) besides the newest keep_last; 0: none"},
             {"save_at_start", value_kind::boolean, "false", "also save before the first epoch ({epoch} is then 0)"},
             {"on_save_error", value_kind::string, "stop",
              "when a save fails (disk full, permission denied): stop training, or warn and go on", {"stop", "warn"}},
         },
         "path"},
        {"callbacks", value_kind::mapping, "", "callbacks around fit; each one is on when named",
         {}, false, callback_keys()},
        {"save", value_kind::mapping, "", "save the whole model after training (Keras's model.save)", {}, false,
         {
             {"path", value_kind::string, "''",
              "file to write, e.g. my_model.h5 (hdf5) or checkpoints/my_checkpoint (no suffix: a TensorFlow checkpoint "
              "prefix); empty: not saved"},
             format_key(),
             keras_version_key(),
             {"include_optimizer", value_kind::boolean, "true",
              "also save the optimizer state and the compile settings, to go on training later"},
             {"weights_only", value_kind::boolean, "false", "save only the weights (Keras's save_weights)"},
         },
         "path"},
    };
    return schema;
}

}  // namespace mlrun
