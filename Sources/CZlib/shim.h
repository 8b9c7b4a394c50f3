// zlib: inflates the plot font and reads gzip-compressed data sets (IDX .gz files).
#include <zlib.h>
