// Saving a multi-file checkpoint again under the same name (a TensorFlow
// prefix, as the tutorial's `training_1/cp.ckpt` every epoch) renames its
// new files over the old ones one at a time; a kill between two renames
// would leave a mixed pair under the name the state file gives. So before
// such a save the old files get second names (hard links, PREFIX.previous)
// and the state file names those; after the save it names the new files
// and the second names go. At every instant the state file names a
// complete checkpoint.
#pragma once

#include <boost/filesystem/path.hpp>

#include <string>
#include <vector>

namespace mlrun {

// The files of the checkpoint at `target`: PREFIX.index and its
// PREFIX.data-SSSSS-of-NNNNN shards when `prefix_named`, else the file.
std::vector<boost::filesystem::path> checkpoint_files(const boost::filesystem::path& target, bool prefix_named);

class previous_checkpoint {
public:
    // For a save of the prefix-named checkpoint `path` in `directory`:
    // when the state file names a complete checkpoint there, links its
    // files to PATH.previous and points the state file at them. Throws
    // io_error (naming the file) when that fails; nothing is changed then.
    previous_checkpoint(const std::string& directory, const std::string& path);

    // The second name (PATH.previous): the state file gives it while the
    // save runs, or since a run was killed inside an earlier save.
    const std::string& kept_name() const { return kept_name_; }

    // The new save is in place and the state file names it, not the
    // second name: the files under the second name go.
    void release();

    // The save failed (and left the old files in place): the state file
    // names them again, and the second names go.
    void restore();

private:
    void remove_links() const;

    std::string directory_;
    std::string name_;       // as the state file gives it
    std::string kept_name_;  // name_ + ".previous"
    bool linked_ = false;    // the state file was pointed at kept_name_
    bool had_second_names_ = false;  // kept_name_'s files were there before this save
};

}  // namespace mlrun
