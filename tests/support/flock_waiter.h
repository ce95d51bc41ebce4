// Waiting until another process blocks on a flock(2) we hold: the controlled
// moment for tests of what happens while a build or gc waits for a lock,
// read from /proc/locks (a blocked request is listed with "->" before it,
// and names the lock file's inode), so the code under test needs no hooks.
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace tdx::test {

// True once some process waits for a lock on `lock_file`; false after `timeout`.
inline bool wait_for_flock_waiter(const std::filesystem::path& lock_file, std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    struct stat st {};
    if (::stat(lock_file.c_str(), &st) != 0) return false;
    const std::string inode = ":" + std::to_string(st.st_ino) + " ";
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream locks("/proc/locks");
        for (std::string line; std::getline(locks, line);)
            if (line.find(" -> ") != std::string::npos && line.find(inode) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

}  // namespace tdx::test
