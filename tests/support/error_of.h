// The message of the tdx::Error a callable throws, or "(no error)": for tests
// that check several parts of one message.
#pragma once

#include <string>

#include "base/error.h"

namespace tdx::test {

template <typename F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const tdx::Error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace tdx::test
