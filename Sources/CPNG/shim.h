// libpng's simplified API (png_image_*) reports errors through a message instead of
// longjmp, which Swift cannot unwind.
#include <png.h>
