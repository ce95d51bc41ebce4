#include "qemu/acpi_dump.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "base/digest.h"
#include "base/error.h"
#include "base/file_io.h"
#include "base/temp_dir.h"
#include "measure/acpi_loader.h"
#include "qemu/fw_cfg_reader.h"
#include "qemu/qemu_process.h"

namespace tdx::builder {
namespace {

namespace fs = std::filesystem;

// QEMU options that take no argument (qemu-options.hx); every other option
// consumes the next word, which is how a value such as `-append "-S"` is
// told apart from an option.
const std::set<std::string> kFlagOptions = {"-S",
                                            "-s",
                                            "-snapshot",
                                            "-nographic",
                                            "-daemonize",
                                            "-enable-kvm",
                                            "-no-acpi",
                                            "-no-hpet",
                                            "-no-reboot",
                                            "-no-shutdown",
                                            "-nodefaults",
                                            "-no-user-config",
                                            "-nodefconfig",
                                            "-preconfig",
                                            "-only-migratable",
                                            "-enable-fips",
                                            "-full-screen",
                                            "-win2k-hack",
                                            "-no-fd-bootchk",
                                            "-no-quit",
                                            "-semihosting",
                                            "-usb",
                                            "-h",
                                            "-help",
                                            "-version",
                                            "-alt-grab",
                                            "-ctrl-grab",
                                            "-no-frame",
                                            "-curses",
                                            "-sdl",
                                            "-enable-sync-profile",
                                            "-singlestep",
                                            "-mem-prealloc",
                                            "-xen-attach",
                                            "-perfmap",
                                            "-jitdump",
                                            "-localtime",
                                            "-rtc-td-hack"};

// Options that cannot work here, and why.
const std::map<std::string, std::string> kRejected = {
    {"-qtest", "tdximage drives QEMU over its own qtest connection"},
    {"-qtest-log", "tdximage drives QEMU over its own qtest connection"},
    {"-S", "tdximage already starts QEMU with its CPUs stopped"},
    {"-daemonize", "QEMU must stay a child of tdximage"},
    {"-incoming", "the tables must come from a freshly started machine, not a migrated one"},
    {"-loadvm", "the tables must come from a freshly started machine, not a snapshot"},
    {"-preconfig", "QEMU would wait for QMP configuration instead of starting"},
    {"-chroot", "QEMU must reach the qtest socket tdximage creates"},
    {"-runas", "QEMU must reach the qtest socket tdximage creates; run tdximage as that user instead"},
    {"-run-with", "QEMU must reach the qtest socket tdximage creates"},
    {"-h", "QEMU would print its help and exit"},
    {"-help", "QEMU would print its help and exit"},
    {"-version", "QEMU would print its version and exit (tdximage records it in acpi-dump.json)"},
};

// QEMU accepts "--opt" for "-opt".
std::string option_name(const std::string& word) {
    if (word.size() > 2 && word[0] == '-' && word[1] == '-') return word.substr(1);
    return word;
}

struct Option {
    std::string name;  // normalised to one dash
    std::optional<std::string> value;
};

std::vector<Option> split_options(const std::vector<std::string>& words) {
    std::vector<Option> out;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string& w = words[i];
        if (w.size() < 2 || w[0] != '-')
            fail("QEMU option list: '" + w + "' is not an option (QEMU takes options only; a disk image goes in -drive)", ErrorKind::Usage);
        Option o{option_name(w), std::nullopt};
        // A last option without its value is left for QEMU to report.
        if (!kFlagOptions.count(o.name) && i + 1 < words.size()) o.value = words[++i];
        out.push_back(std::move(o));
    }
    return out;
}

bool has_key(const std::string& suboptions, const std::string& key) {
    std::size_t start = 0;
    for (;;) {
        std::size_t comma = suboptions.find(',', start);
        std::string part = suboptions.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (part.compare(0, key.size() + 1, key + "=") == 0) return true;
        if (comma == std::string::npos) return false;
        start = comma + 1;
    }
}

bool chooses_accelerator(const std::vector<Option>& options) {
    for (const Option& o : options) {
        if (o.name == "-accel" || o.name == "-enable-kvm") return true;
        if ((o.name == "-machine" || o.name == "-M") && o.value && has_key(*o.value, "accel")) return true;
    }
    return false;
}

std::string first_line(const std::string& text) {
    std::string line = text.substr(0, text.find('\n'));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    return line;
}

std::string errno_text() { return std::strerror(errno); }

// -o as an absolute path without a trailing slash; "." and "/" are refused
// because the directory itself gets replaced.
fs::path normalize_dir(const fs::path& dir) {
    if (dir.empty()) fail("-o: empty directory name", ErrorKind::Usage);
    fs::path p = fs::absolute(dir).lexically_normal();
    if (!p.has_filename()) p = p.parent_path();
    const std::string leaf = p.filename().string();
    if (leaf.empty() || leaf == "." || leaf == "..")
        fail("-o: '" + dir.string() + "' must name a directory to create or replace (not '.', '..' or '/')", ErrorKind::Usage);
    return p;
}

enum class DirState { Absent, Empty, EarlierDump };

DirState dump_directory_state(const fs::path& dir) {
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) {
        if (errno == ENOENT) return DirState::Absent;
        fail(dir.string() + ": cannot inspect: " + errno_text(), ErrorKind::Io);
    }
    if (S_ISLNK(st.st_mode)) fail(dir.string() + ": is a symbolic link; give the directory itself", ErrorKind::Usage);
    if (!S_ISDIR(st.st_mode)) fail(dir.string() + ": exists and is not a directory; refusing to replace it", ErrorKind::Usage);
    std::error_code ec;
    if (fs::is_empty(dir, ec)) return DirState::Empty;
    const fs::path manifest = dir / kAcpiDumpManifest;
    bool ours = false;
    if (fs::is_regular_file(fs::symlink_status(manifest, ec))) {
        try {
            std::vector<std::uint8_t> text = read_file(manifest);
            nlohmann::json j = nlohmann::json::parse(text.begin(), text.end());
            ours = j.is_object() && j.value("schema", "").rfind("tdximage.acpi-dump/", 0) == 0;
        } catch (const std::exception&) {
        }
    }
    if (!ours)
        fail(dir.string() +
                 ": is not empty and holds no acpi-dump.json from an earlier `tdximage acpi dump`; "
                 "refusing to replace it (choose a new directory)",
             ErrorKind::Usage);
    return DirState::EarlierDump;
}

void write_all(int fd, const std::string& content, const fs::path& path) {
    const char* p = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail(path.string() + ": write error: " + errno_text(), ErrorKind::Io);
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

void make_dir_0755(const fs::path& dir) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) fail(dir.string() + ": cannot create: " + errno_text(), ErrorKind::Io);
    // mkdir's mode is filtered by the umask; the published tree is 0755.
    if (::chmod(dir.c_str(), 0755) != 0) fail(dir.string() + ": cannot set its mode: " + errno_text(), ErrorKind::Io);
}

void write_file_0644(const fs::path& path, const std::string& content) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) fail(path.string() + ": cannot create: " + errno_text(), ErrorKind::Io);
    try {
        write_all(fd, content, path);
        if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0) fail(path.string() + ": cannot finish writing: " + errno_text(), ErrorKind::Io);
    } catch (...) {
        ::close(fd);
        throw;
    }
    if (::close(fd) != 0) fail(path.string() + ": close failed: " + errno_text(), ErrorKind::Io);
}

std::string sha384_hex(const std::vector<std::uint8_t>& bytes) { return to_hex(sha384(Bytes(bytes.data(), bytes.size()))); }

}  // namespace

void check_machine_options(const std::vector<std::string>& options) {
    for (const Option& o : split_options(options)) {
        auto it = kRejected.find(o.name);
        if (it != kRejected.end()) fail("QEMU option '" + o.name + "' cannot be used with acpi dump: " + it->second, ErrorKind::Usage);
    }
}

std::vector<std::string> added_qemu_options(const std::vector<std::string>& machine_options) {
    std::vector<std::string> added = {"-S", "-display", "none"};
    if (!chooses_accelerator(split_options(machine_options))) {
        added.push_back("-accel");
        added.push_back("tcg");
    }
    return added;
}

std::vector<AcpiDumpBlob> fetch_acpi_blobs(QtestClient& qtest, std::uint64_t pciexbar) {
    program_q35_like_ovmf(qtest, pciexbar);
    FwCfgReader fw_cfg(qtest, kScratchAddress);
    const std::vector<FwCfgFile> files = fw_cfg.directory();
    if (std::none_of(files.begin(), files.end(), [](const FwCfgFile& f) { return f.name == "etc/table-loader"; }))
        fail("QEMU offers no fw_cfg file etc/table-loader: ACPI is off for this machine (-no-acpi, -machine acpi=off)");
    // Like OVMF: the loader first (its select makes QEMU build the tables),
    // then each ALLOCATEd blob at the size the directory reports after that.
    std::vector<AcpiDumpBlob> blobs;
    blobs.push_back({"etc/table-loader", fw_cfg.read_file("etc/table-loader")});
    const AcpiLoaderScript script = parse_acpi_loader(Bytes(blobs.front().bytes.data(), blobs.front().bytes.size()), "etc/table-loader");
    for (const std::string& name : script.allocated_files) blobs.push_back({name, fw_cfg.read_file(name)});
    return blobs;
}

void check_blob_path(const std::string& name) {
    auto bad = [&](const char* why) { fail("file name '" + name + "' " + why + "; refusing to write it", ErrorKind::BadInput); };
    if (name.empty() || name.front() == '/') bad("is not a relative path");
    std::size_t start = 0;
    for (;;) {
        std::size_t slash = name.find('/', start);
        std::string part = name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        if (part.empty() || part == "." || part == "..") bad("has an empty, '.' or '..' component");
        if (slash == std::string::npos) return;
        start = slash + 1;
    }
}

void check_dump_directory(const fs::path& dir) { (void)dump_directory_state(normalize_dir(dir)); }

void write_dump_directory(const fs::path& dir_in, const std::vector<std::pair<std::string, std::string>>& files) {
    const fs::path dir = normalize_dir(dir_in);
    const DirState state = dump_directory_state(dir);
    std::error_code ec;
    fs::create_directories(dir.parent_path(), ec);
    if (ec) fail(dir.parent_path().string() + ": cannot create: " + ec.message(), ErrorKind::Io);

    // Removed on every way out but a rename into place; after an exchange
    // it holds the earlier dump, removed with it.
    TempDir staged(dir.parent_path(), "." + dir.filename().string() + ".tmp-");
    const fs::path tmp = staged.path();
    {
        make_dir_0755(tmp);
        for (const auto& [name, content] : files) {
            check_blob_path(name);
            fs::path target = tmp;
            fs::path rel(name);
            for (auto it = rel.begin(); it != rel.end(); ++it) {
                if (std::next(it) == rel.end()) break;
                target /= *it;
                make_dir_0755(target);
            }
            write_file_0644(tmp / rel, content);
        }
        if (state != DirState::EarlierDump) {
            // rename(2) replaces an empty directory and fails on a non-empty
            // one, so a directory that appeared meanwhile is not clobbered.
            if (::rename(tmp.c_str(), dir.c_str()) != 0)
                fail(dir.string() + ": cannot move the dump into place: " + errno_text(), ErrorKind::Io);
            staged.release();
        } else if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) == 0) {
            // The old dump now sits at the temporary name: removed with it.
        } else {
            // File systems without RENAME_EXCHANGE: a short window without `dir`.
            const fs::path old = tmp.string() + ".old";
            if (::rename(dir.c_str(), old.c_str()) != 0)
                fail(dir.string() + ": cannot move the earlier dump aside: " + errno_text(), ErrorKind::Io);
            if (::rename(tmp.c_str(), dir.c_str()) != 0) {
                std::string why = errno_text();
                ::rename(old.c_str(), dir.c_str());
                fail(dir.string() + ": cannot move the dump into place: " + why, ErrorKind::Io);
            }
            staged.release();
            fs::remove_all(old, ec);
        }
    }
}

AcpiDumpResult run_acpi_dump(const AcpiDumpOptions& o) {
    check_machine_options(o.machine_options);
    check_pciexbar_base(o.pciexbar);
    AcpiDumpResult result;
    result.dir = normalize_dir(o.out_dir);
    check_dump_directory(result.dir);
    const fs::path program = resolve_program(o.qemu);
    const std::string version = first_line(run_and_capture(program, {"--version"}, o.timeout));

    const std::vector<std::string> added = added_qemu_options(o.machine_options);
    {
        QemuProcess qemu(o.timeout);
        // Ours first: a value missing at the end of the operator's options
        // must not swallow one of them.
        std::vector<std::string> args = {"-qtest", qemu.qtest_chardev(), "-qtest-log", "none"};
        args.insert(args.end(), added.begin(), added.end());
        args.insert(args.end(), o.machine_options.begin(), o.machine_options.end());
        result.blobs = with_context(o.qemu, [&] {
            qemu.start(program, args);
            qemu.accept_qtest();
            QtestClient qtest(qemu);
            return fetch_acpi_blobs(qtest, o.pciexbar);
        });
    }

    nlohmann::json blobs = nlohmann::json::array();
    std::vector<std::pair<std::string, std::string>> files;
    for (const AcpiDumpBlob& b : result.blobs) {
        check_blob_path(b.name);
        if (b.name == kAcpiDumpManifest) fail("fw_cfg file name '" + b.name + "' collides with the manifest; refusing to write it");
        blobs.push_back({{"name", b.name}, {"size", b.bytes.size()}, {"sha384", sha384_hex(b.bytes)}});
        files.emplace_back(b.name, std::string(b.bytes.begin(), b.bytes.end()));
    }
    result.manifest = {
        {"schema", kAcpiDumpSchema},
        {"qemu", {{"binary", program.filename().string()}, {"version", version}, {"added_options", added}}},
        {"machine_options", o.machine_options},
        {"pciexbar", hex_u64(o.pciexbar)},
        {"blobs", blobs},
    };
    // Options are operator input and need not be UTF-8; never let that abort the dump.
    result.manifest_text = result.manifest.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    files.emplace_back(kAcpiDumpManifest, result.manifest_text);
    write_dump_directory(result.dir, files);
    return result;
}

}  // namespace tdx::builder
