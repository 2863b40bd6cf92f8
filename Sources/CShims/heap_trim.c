#include <malloc.h>
#include "cshims.h"

void prim_heap_trim(void) {
    malloc_trim(0);
}
