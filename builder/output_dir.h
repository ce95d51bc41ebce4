// An output directory replaced as a whole. Every file of a build is written
// into a fresh sibling directory; commit() then swaps it with the previous
// output in one rename (renameat2 RENAME_EXCHANGE), so a reader, or a build
// killed at any moment, sees either the old directory or the complete new
// one, never a mix. The old content is deleted only after the swap.
//
// Replacing a directory that is not ours would delete someone's files, so an
// existing directory is replaced only when it is empty or holds a previous
// output (its manifest.json names `kManifestSchema`).
#pragma once

#include <filesystem>
#include <string>

#include "measure/base/byte_reader.h"

namespace tdx::builder {

class StagedOutputDir {
public:
    // Creates the parent directories and the staging directory; throws
    // tdx::Error (Io) naming `final_dir` when that is impossible, and
    // (Usage) when `final_dir` exists and is not replaceable (see above).
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

private:
    std::filesystem::path final_, staging_;
    bool committed_ = false;
};

}  // namespace tdx::builder
