#include "base/text_list.h"

namespace tdx {

std::string comma_list(const std::vector<std::string>& items) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : ", ") + items[i];
    return out;
}

}  // namespace tdx
