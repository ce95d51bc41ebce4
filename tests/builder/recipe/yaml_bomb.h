// A YAML alias bomb for the tests of every YAML reader: nine nested anchors
// of ten aliases each, a few hundred bytes that a walk expands to 10^9 nodes.
#pragma once

#include <string>

namespace tdx::test {

inline std::string yaml_alias_bomb() {
    std::string bomb = "a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n";
    for (int i = 1; i <= 9; ++i) {
        const std::string prev = "*a" + std::to_string(i - 1);
        bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
        for (int j = 1; j < 10; ++j) bomb += "," + prev;
        bomb += "]\n";
    }
    return bomb;
}

}  // namespace tdx::test
