// An output directory replaced as a whole. Every file of a build is written
// into a fresh sibling directory; commit() then swaps it with the previous
// output in one rename (renameat2 RENAME_EXCHANGE), so a reader, or a build
// killed at any moment, sees either the old directory or the complete new
// one, never a mix. The old content is deleted only after the swap.
//
// Replacing a directory that is not ours would delete someone's files, so an
// existing directory is replaced only when it is empty or holds a previous
// output (its manifest.json names `kManifestSchema`). A symlink at the output
// path is refused rather than followed or swapped away.
//
// Staging directories are named ".<output name>.tmp-XXXXXX" (mkdtemp) and
// hold an exclusive flock(2) on themselves from creation until the build
// ends. A build killed before its commit, or while deleting the old output
// after the swap, leaves one behind; the next build for the same output
// removes every such directory it owns whose lock nobody holds, so the
// staging directory of a build still running is never touched. Symlinks and
// other files with such a name are left alone.
#pragma once

#include <filesystem>
#include <string>

#include "base/byte_reader.h"

namespace tdx::builder {

class StagedOutputDir {
public:
    // Removes stale staging directories of `final_dir`, then creates the
    // parent directories and a locked staging directory; throws tdx::Error
    // (Io) naming `final_dir` when that is impossible, and (Usage) when
    // `final_dir` exists and is not replaceable (see above).
    explicit StagedOutputDir(std::filesystem::path final_dir);
    ~StagedOutputDir();  // removes the staging directory unless committed
    StagedOutputDir(const StagedOutputDir&) = delete;
    StagedOutputDir& operator=(const StagedOutputDir&) = delete;

    // Where a file being staged lives (for tools that read it back before
    // the commit, such as the measurement of the staged kernel).
    std::filesystem::path staged(const std::string& name) const { return staging_ / name; }
    // Writes a file into the staging directory, mode 0644 or 0755 whatever
    // the umask (outputs are published artifacts).
    void write(const std::string& name, Bytes content, bool executable = false);
    void write(const std::string& name, const std::string& content, bool executable = false);
    // Publishes the staged directory at `final_dir`.
    void commit();

    const std::filesystem::path& final_dir() const { return final_; }
    const std::filesystem::path& staging_dir() const { return staging_; }

private:
    std::filesystem::path final_, staging_;
    int lock_fd_ = -1;  // the staging directory, flock'ed while this object lives
    bool committed_ = false;
};

// Removes the staging directories of `final_dir` left by builds that are no
// longer running (see above); returns how many went. Errors are ignored:
// a leftover that cannot be removed now is tried again by the next build.
std::size_t remove_stale_staging_dirs(const std::filesystem::path& final_dir);

}  // namespace tdx::builder
