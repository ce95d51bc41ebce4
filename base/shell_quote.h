// Quoting for the shell scripts the build generates (/init, the udhcpc hook,
// launch-qemu.sh): every value from a recipe or a lock enters them as one
// single-quoted word, so no character in it is ever interpreted.
#pragma once

#include <string>
#include <string_view>

namespace tdx::builder {

// 'text' with each ' written as '\'' (close, escaped quote, reopen): the only
// quoting POSIX sh, dash, bash and busybox ash all read the same way. Throws
// naming `what` when text holds a NUL byte, which no shell word can carry.
std::string shell_quote(std::string_view text, const std::string& what);

// True when text is a shell variable name: [A-Za-z_][A-Za-z0-9_]*.
bool is_shell_name(std::string_view text);

}  // namespace tdx::builder
