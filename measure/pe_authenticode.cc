#include "measure/pe_authenticode.h"
