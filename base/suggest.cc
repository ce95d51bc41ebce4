#include "base/suggest.h"

#include <algorithm>

namespace tdx {

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

std::string closest_name(const std::string& word, const std::vector<std::string>& known, std::size_t max_distance) {
    std::string best;
    std::size_t best_d = max_distance + 1;
    for (const std::string& k : known) {
        const std::size_t d = edit_distance(word, k);
        if (d < best_d) best = k, best_d = d;
    }
    return best;
}

}  // namespace tdx
