// One error type for the whole tool. Parsers and writers throw it with a
// sentence that names the object (file, field) and what is wrong; context is
// prepended as the error travels up ("OVMF.fd: TDVF section 2: ..."), and only
// cli/main.cc prints it.
#pragma once

#include <stdexcept>
#include <string>

namespace tdx {

// What kind of trouble. Every kind is exit status 2; the kind decides how
// the error is shown: a Usage error (fixed by another command line) points at
// the command's --help (cli/app.cc); BadInput (the content of a named input
// is wrong) and Io (a named file cannot be read or written) are printed as
// they are, since they name the file already.
enum class ErrorKind { Usage, BadInput, Io };

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& what, ErrorKind kind = ErrorKind::BadInput) : std::runtime_error(what), kind_(kind) {}
    ErrorKind kind() const { return kind_; }

    // Returns a copy of this error with "context: " in front of the message.
    Error with_context(const std::string& context) const { return Error(context + ": " + what(), kind_); }

private:
    ErrorKind kind_;
};

[[noreturn]] inline void fail(const std::string& what, ErrorKind kind = ErrorKind::BadInput) { throw Error(what, kind); }

// Runs fn(); any tdx::Error escaping it gets `context` prepended.
template <typename Fn>
auto with_context(const std::string& context, Fn&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const Error& e) {
        throw e.with_context(context);
    }
}

}  // namespace tdx
